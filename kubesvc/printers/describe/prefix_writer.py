"""Building blocks of `kubectl describe` output: the prefix writer and the label/annotation
blocks every describer shares (kubectl `pkg/describe/describe.go`)."""

from __future__ import annotations

from datetime import datetime

from kubesvc.printers.duration import LOCAL
from kubesvc.printers.table.tabwriter import escape_terminal, tabwrite

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


class PrefixWriter:
    """describe's PrefixWriter: two spaces per level, terminal escaping, tabwriter at the end."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, level: int, text: str) -> None:
        self.parts.append(escape_terminal("  " * level + text))

    def line(self, text: str = "") -> None:
        self.parts.append(escape_terminal(text + "\n"))

    def render(self) -> str:
        return tabwrite("".join(self.parts), minwidth=0, padding=2)


def now_or_local(now: datetime | None) -> datetime:
    """The clock describers use; like kubectl, timestamps then show in the local zone."""
    return now if now is not None else datetime.now(LOCAL)


def labels_multiline(w: PrefixWriter, title: str, labels: dict | None, initial: str = "",
                     inner: str = "\t", skip: frozenset = frozenset()) -> None:
    """printLabelsMultilineWithIndent: sorted `k=v`, one per line, `<none>` when empty."""
    w.write(0, f"{initial}{title}:{inner}")
    keys = sorted(k for k in (labels or {}) if k not in skip)
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, initial)
            w.write(0, inner)
        w.write(0, f"{key}={labels[key]}\n")


def _shorten(text: str, limit: int) -> str:
    raw = text.encode()
    return raw[:limit].decode(errors="ignore") + "..." if len(raw) > limit else text


def annotations_multiline(w: PrefixWriter, title: str, annotations: dict | None) -> None:
    """printAnnotationsMultiline: skips last-applied-configuration; long values go on own lines."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k != LAST_APPLIED)
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key])
        value = value[:-1] if value.endswith("\n") else value
        if len(value.encode()) + len(key.encode()) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                w.write(0, f"\t  {_shorten(part, MAX_ANNOTATION_LEN - 2)}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def events(w: PrefixWriter, show: bool) -> None:
    if show:
        w.write(0, "Events:\t<none>\n")


def header(w: PrefixWriter, md: dict) -> None:
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
