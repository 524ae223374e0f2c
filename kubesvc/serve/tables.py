"""`Table` responses (meta.k8s.io/v1) from kubesvc's own table printers, so the real
`kubectl get` prints the columns and cells `kubesvc get` prints. kubectl adds NAMESPACE (-A),
label columns and the kind prefix itself, from each row's object metadata."""

from __future__ import annotations

from datetime import datetime

from kubesvc.printers.table.columns import printer_for


def wants_table(accept: str) -> bool:
    return "as=table" in accept.replace(" ", "").lower()


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
        entry["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                           "metadata": obj.get("metadata") or {}}
    return entry


def table(kind: str, objects: list[dict], now: datetime, include: str, meta: dict,
          columns: bool = True) -> dict:
    body: dict = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    if columns:
        body["columnDefinitions"] = column_definitions(kind)
    body["rows"] = [row(kind, o, now, include) for o in objects]
    return body
