"""A YAML loader that builds plain data only and refuses what a Kubernetes decoder refuses.

- libyaml's C parser when present (7-9x faster), the pure-Python one otherwise;
- no tag ever constructs a Python object (safe constructors only);
- duplicate keys in a mapping are an error, as in kubectl (sigs.k8s.io/yaml is strict);
- aliases may not expand beyond a limit, so a "billion laughs" document cannot blow up
  memory downstream.
"""

from __future__ import annotations

import yaml
from yaml import YAMLError
from yaml.constructor import ConstructorError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_EXPANDED_NODES = 5_000_000  # far beyond any real manifest; a billion-laughs document is not


class StrictLoader(_Base):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value
            if key in seen and key_node.tag != "tag:yaml.org,2002:merge":
                raise ConstructorError(None, None, f'key "{key}" already set in map',
                                       key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


# Timestamps stay strings (Kubernetes fields are strings; a datetime would not serialise).
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp",
                             StrictLoader.yaml_constructors["tag:yaml.org,2002:str"])


# The other YAML 1.1 tags PyYAML's safe loader knows would build bytes, sets and tuples, which
# are not JSON. Kubernetes' YAML decoder (go-yaml) keeps the data: !!binary gives the decoded
# text, !!set a mapping (of nulls), !!omap and !!pairs the sequence of one-key mappings.
def _binary_as_text(loader, node):
    data = loader.construct_yaml_binary(node)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConstructorError(None, None, "a !!binary value must decode to UTF-8 text in a "
                               "Kubernetes manifest (use a base64 string instead)",
                               node.start_mark) from None


StrictLoader.add_constructor("tag:yaml.org,2002:binary", _binary_as_text)
StrictLoader.add_constructor("tag:yaml.org,2002:set",
                             StrictLoader.yaml_constructors["tag:yaml.org,2002:map"])
for _tag in ("omap", "pairs"):
    StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}",
                                 StrictLoader.yaml_constructors["tag:yaml.org,2002:seq"])


def load_all(text: str):
    may_alias = "&" in text  # no anchor, no alias: skip the expansion count (the common case)
    loader = StrictLoader(text)
    try:
        while loader.check_data():
            data = loader.get_data()
            if may_alias:
                _check_expansion(data, loader)
            yield data
    finally:
        loader.dispose()


def _check_expansion(data, loader) -> None:
    """Aliases share objects; the JSON they stand for is their full expansion. Count it."""
    sizes: dict[int, int] = {}
    IN_PROGRESS = -1

    def size(node) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key not in sizes:
            sizes[key] = IN_PROGRESS
            items = node.values() if isinstance(node, dict) else node
            sizes[key] = 1 + sum(size(child) for child in items)
        elif sizes[key] == IN_PROGRESS:  # an alias inside its own anchor
            cyclic.append(True)
            return MAX_EXPANDED_NODES + 1
        return sizes[key]

    cyclic: list[bool] = []
    if size(data) > MAX_EXPANDED_NODES:
        mark = loader.peek_event().start_mark if loader.check_event() else None
        problem = ("a YAML alias refers to its own anchor: the document would be infinitely "
                   "deep" if cyclic else "the document's YAML aliases expand to more than "
                   f"{MAX_EXPANDED_NODES:,} values: refusing it")
        raise ConstructorError(None, None, problem, mark)


__all__ = ["YAMLError", "load_all"]
