"""Row functions for NetworkPolicy and IngressClass (kubernetes
`pkg/printers/internalversion/printers.go`: printNetworkPolicy, printIngressClass; Ingress's
row lives with the other networking kinds in columns_core).

As everywhere in kubesvc's tables, the server's table is built with every cell: nothing here is
shortened for a narrow terminal.
"""

from __future__ import annotations

from datetime import datetime

from kubesvc.api.objects import meta, spec
from kubesvc.api.selectors import format_label_selector
from kubesvc.printers.table.columns_core import Columns, age

NETWORKPOLICY_COLUMNS: Columns = [("NAME", 0), ("POD-SELECTOR", 0), ("AGE", 0)]
INGRESSCLASS_COLUMNS: Columns = [("NAME", 0), ("CONTROLLER", 0), ("PARAMETERS", 0), ("AGE", 0)]


def networkpolicy_row(np: dict, now: datetime) -> list[str]:
    """metav1.FormatLabelSelector of spec.podSelector: `<none>` when it selects every pod."""
    selector = spec(np).get("podSelector") or {}
    return [meta(np).get("name", ""), format_label_selector(selector), age(np, now)]


def ingressclass_row(ic: dict, now: datetime) -> list[str]:
    """PARAMETERS: `KIND[.APIGROUP]/NAME`, `<none>` without parameters."""
    s = spec(ic)
    params = s.get("parameters")
    text = "<none>"
    if params is not None:
        text = str(params.get("kind") or "")
        if params.get("apiGroup") is not None:
            text += "." + str(params["apiGroup"])
        text += "/" + str(params.get("name") or "")
    return [meta(ic).get("name", ""), str(s.get("controller") or ""), text, age(ic, now)]
