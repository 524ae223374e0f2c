"""`Table` responses (meta.k8s.io/v1) from kubesvc's own table printers, so the real
`kubectl get` prints the columns and cells `kubesvc get` prints. kubectl adds NAMESPACE (-A),
label columns and the kind prefix itself, from each row's object metadata.

Each row embeds the object as `includeObject` asks: `None` nothing, `Object` the whole
object, `Metadata` (the default, which kubectl 1.37's `get` relies on) its whole metadata as
a PartialObjectMetadata, as upstream's apiserver answers."""

from __future__ import annotations

import json
from datetime import datetime
from json.encoder import encode_basestring

from kubesvc.api import table_cells
from kubesvc.printers.table import columns_core
from kubesvc.printers.table.columns import FINISH, printer_for

_PARTIAL = '{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":'


def wants_table(accept: str) -> bool:
    return "as=table" in accept.replace(" ", "").lower()


def include_of(query: dict[str, str]) -> str:
    """The row object asked for: None, Object, or Metadata (the default)."""
    return query.get("includeObject") or "Metadata"


def column_definitions(kind: str) -> list[dict]:
    columns, _ = printer_for(kind)
    return [{"name": name, "type": "string",
             "format": "name" if i == 0 else "", "description": "", "priority": prio}
            for i, (name, prio) in enumerate(columns)]


def row(kind: str, obj: dict, now: datetime, include: str) -> dict:
    _, row_func = printer_for(kind)
    entry: dict = {"cells": row_func(obj, now)}
    if include == "Object":
        entry["object"] = obj
    elif include != "None":
        meta = obj.get("metadata") or {}
        entry["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                           "metadata": meta}
    return entry


def table(kind: str, objects: list[dict], now: datetime, include: str, meta: dict,
          columns: bool = True) -> dict:
    body: dict = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    if columns:
        body["columnDefinitions"] = column_definitions(kind)
    body["rows"] = [row(kind, o, now, include) for o in objects]
    return body


def from_summaries(kind: str, include: str) -> bool:
    """Whether a list of `kind` can be answered from the store's summary rows
    (queries.table_rows with metadata): kinds kubesvc keeps table cells for, rows that embed
    no object or the object's metadata."""
    return kind in FINISH and include in ("Metadata", "None")


def summary_table_json(kind: str, rows: list[tuple], now: datetime, include: str,
                       meta: dict) -> bytes:
    """The Table of `table()` as JSON bytes, from the store's (namespace, name, summary,
    body, metadata JSON) rows: the cells of `kubesvc get`'s summary printer and each object's
    metadata as SQLite extracted it from the stored body, with no body decoded in Python
    except where a summary is missing."""
    finish, compute = FINISH[kind], table_cells.CELLS[kind]
    tag = table_cells.SUMMARY_VERSION + table_cells.SEP
    skip, sep = len(tag), table_cells.SEP
    ages = columns_core.Ages(now)
    quote = encode_basestring  # a str as a JSON string (the C encoder's)
    with_object = include != "None"
    parts = []
    for _ns, name, summary, body, metadata in rows:
        if summary is not None and summary.startswith(tag):
            cells = summary[skip:].split(sep)
        else:
            cells = compute(json.loads(body))
        text = '{"cells":[' + ",".join(map(quote, finish(name, cells, ages))) + "]"
        if with_object:
            text += ',"object":' + _PARTIAL + metadata + "}"
        parts.append(text + "}")
    head = json.dumps({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                  "columnDefinitions": column_definitions(kind)},
                 separators=(",", ":"), ensure_ascii=False)
    return (head[:-1] + ',"rows":[' + ",".join(parts) + "]}").encode()
