"""Output of `kubesvc resolve` and `kubesvc check`: the documented JSON/YAML shape of the
records (docs/resolve.md), or the readable view (printers/resolve_view.py, drawn with rich).
"""

from __future__ import annotations

from kubesvc.printers import check_text
from kubesvc.printers.structured import to_json, to_yaml
from kubesvc.resolver import records as rec


def render(record, output: str | None, width: int | None = None, color: bool = False) -> str:
    """The text to print for a record (or a list of check Problems)."""
    if output in ("json", "yaml"):
        data = to_data(record)
        return to_yaml(data) if output == "yaml" else to_json(data) + "\n"
    if isinstance(record, list) and not color:
        text = check_text.draw(record, width or check_text.WIDTH)
        if text is not None:
            return text
    # lazy: rich costs ~40 ms of start-up, and `-o json|yaml` never draws
    from kubesvc.printers.resolve_view import draw  # noqa: PLC0415

    return draw(record, width, color)


def to_data(record) -> dict:
    if isinstance(record, list):
        counts = {s: sum(1 for p in record if p.reason.severity == s) for s in rec.SEVERITIES}
        return {"kind": "CheckReport", "errors": counts[rec.ERROR],
                "warnings": counts[rec.WARNING], "problems": [p.to_dict() for p in record]}
    return record.to_dict()
