"""The EndpointSlice and Endpoints strategies: the API server's defaults
(pkg/apis/discovery/v1/defaults.go SetDefaults_EndpointPort; core/v1 SetDefaults_Endpoints) and
validation (apiserver/validation/endpoints.py) for what a user writes; the endpoint
controllers' own writes pass the same way."""

from __future__ import annotations

from kubesvc.api.errors import InvalidError
from kubesvc.apiserver.validation.endpoints import validate_endpoints, validate_slice


def _default_slice(sl: dict) -> None:
    for port in sl.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("name", "")  # SetDefaults_EndpointPort: Name nil -> ""
            port.setdefault("protocol", "TCP")  # Protocol nil -> TCP


def _default_endpoints(ep: dict) -> None:
    for subset in ep.get("subsets") or []:
        for port in (subset or {}).get("ports") or []:
            if isinstance(port, dict) and not port.get("protocol"):
                port["protocol"] = "TCP"  # SetDefaults_Endpoints


def _check(kind: str, obj: dict, errors) -> None:
    if errors:
        raise InvalidError(kind, obj.get("metadata", {}).get("name", ""), errors)


class EndpointSliceStrategy:
    @staticmethod
    def create(ctx, obj: dict, keep_status: bool) -> None:
        _default_slice(obj)
        _check("EndpointSlice", obj, validate_slice(obj))

    @staticmethod
    def update(ctx, new: dict, old: dict, keep_status: bool) -> None:
        _default_slice(new)
        _check("EndpointSlice", new, validate_slice(new, old))

    @staticmethod
    def delete(ctx, obj: dict) -> None:
        pass


class EndpointsStrategy:
    @staticmethod
    def create(ctx, obj: dict, keep_status: bool) -> None:
        _default_endpoints(obj)
        _check("Endpoints", obj, validate_endpoints(obj))

    @staticmethod
    def update(ctx, new: dict, old: dict, keep_status: bool) -> None:
        _default_endpoints(new)
        _check("Endpoints", new, validate_endpoints(new))

    @staticmethod
    def delete(ctx, obj: dict) -> None:
        pass


endpointslice = EndpointSliceStrategy()
endpoints = EndpointsStrategy()
