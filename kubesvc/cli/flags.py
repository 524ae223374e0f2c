"""Flags as kubectl parses them (spf13/pflag), rewritten into what Click parses the same way.

pflag accepts forms Click reads differently or refuses:
- a shorthand with `=`: `-o=yaml`, `-n=kube-system`, `-l=app=web` (pflag's
  parseSingleShortArg drops the `=`; Click keeps it in the value, so `-n=kube-system` would
  name a namespace called `=kube-system`);
- a boolean flag with a value: `--all-namespaces=true`, `-A=false` (pflag's boolFlag reads
  it with strconv.ParseBool; Click's flags take no value).
`normalize` turns those words into the plain forms before Click sees them. It knows which
flags take a value, so a flag's value is never rewritten (`-l -a=b` stays as typed), and it
stops at `--`. No Typer here: the `get` fast path uses it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kubesvc.api.errors import UsageError

# strconv.ParseBool's spellings, as pflag's boolFlag.Set accepts them
TRUE_WORDS = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE_WORDS = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def parse_bool(flag: str, value: str) -> bool:
    """A boolean flag's `=value`, or pflag's error for anything else."""
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise UsageError(f'invalid argument "{value}" for "{flag}" flag: strconv.ParseBool: '
                     f'parsing "{value}": invalid syntax')


def normalize(words: list[str], value_flags: Iterable[str],
              bool_flags: Mapping[str, str]) -> list[str]:
    """`words` with pflag's `-X=VALUE` and `--bool=VALUE` forms rewritten for Click.
    `value_flags`: every spelling of a flag that takes a value; `bool_flags`: every spelling
    of a boolean flag, mapped to how pflag names it in errors (`-A, --all-namespaces`)."""
    takes_value = set(value_flags)
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            out.extend(words[i:])
            break
        if word in takes_value:  # the next word is its value, whatever it looks like
            out.extend(words[i:i + 2])
            i += 2
            continue
        out.extend(_rewrite(word, takes_value, bool_flags))
        i += 1
    return out


def _rewrite(word: str, takes_value: set[str], bool_flags: Mapping[str, str]) -> list[str]:
    if word.startswith("--"):
        name, eq, value = word.partition("=")
    elif word.startswith("-") and word[2:3] == "=":
        name, eq, value = word[:2], "=", word[3:]
    else:
        return [word]
    if not eq:
        return [word]
    if name in bool_flags:
        if parse_bool(bool_flags[name], value):
            return [name]
        negation = "--no-" + name[2:]  # a tri-state flag (`--show-events`): say "false" outright
        return [negation] if negation in bool_flags and name.startswith("--") else []
    if name in takes_value and not name.startswith("--"):
        return [name, value]
    return [word]


def command_flags(params: Iterable) -> tuple[set[str], dict[str, str]]:
    """(value flags, boolean flags) of Click parameters, for `normalize`."""
    values: set[str] = set()
    bools: dict[str, str] = {}
    for param in params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        if param.is_flag:
            shown = ", ".join(sorted(param.opts, key=len))
            # `--x/--no-x` pairs are not pflag's; a flag that is on by default (or unset:
            # describe's --show-events) cannot be turned off by leaving it out
            if not param.secondary_opts and param.default is False:
                bools.update({name: shown for name in param.opts})
            elif param.secondary_opts and param.default is None:  # unset means "decide"
                bools.update({name: shown for name in (*param.opts, *param.secondary_opts)})
        else:
            values.update(param.opts)
    return values, bools
