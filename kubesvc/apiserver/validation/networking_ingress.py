"""Ingress and IngressClass API-server validation (networking.k8s.io/v1), as pure functions.

Upstream source: `pkg/apis/networking/validation/validation.go` (ValidateIngressCreate,
ValidateIngressUpdate, ValidateIngressSpec and the rule/path/backend/TLS helpers,
ValidateIngressLoadBalancerStatus, ValidateIngressClass, ValidateIngressClassUpdate) with
apimachinery's IsWildcardDNS1123Subdomain, IsDomainPrefixedPath and content.IsPathSegmentName.
Kubernetes 1.37: backend Service names are DNS-1123 labels (RelaxedServiceNameValidation).

Ratcheting, as upstream: on update, an invalid TLS secret name or an invalid rule under a
wildcard host already stored lets the same kind of value through.
"""

from __future__ import annotations

import re

from kubesvc.api.errors import (
    FieldError,
    forbidden,
    invalid,
    required,
    too_long,
    unsupported,
)
from kubesvc.apiserver.validation.ip_addresses import ip_address, parse_ip
from kubesvc.apiserver.validation.names import (
    DNS1123_SUBDOMAIN_FMT,
    dns1123_label,
    dns1123_subdomain,
    max_len_error,
    port_name,
    port_number,
    regex_error,
    validate_object_meta,
    validate_object_meta_update,
)
from kubesvc.apiserver.validation.status import load_balancer_hostname

CLASS_ANNOTATION = "kubernetes.io/ingress.class"
PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]  # sets.List(): sorted
INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
INVALID_PATH_SUFFIXES = ("/..", "/.")
PARAMETER_SCOPES = ["Cluster", "Namespace"]
MAX_CONTROLLER_LEN = 250
WILDCARD_FMT = r"\*\." + DNS1123_SUBDOMAIN_FMT
_WILDCARD_MSG = ("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS "
                 "subdomain, which must consist of lower case alphanumeric characters, '-' or "
                 "'.' and end with an alphanumeric character")
HTTP_PATH_FMT = r"[A-Za-z0-9/\-._~%!$&'()*+,;=:]+"
service_name = dns1123_label  # RelaxedServiceNameValidation (on since 1.36)


def wildcard_subdomain(value: str) -> list[str]:
    """`IsWildcardDNS1123Subdomain`: `*.example.com` (one leading wildcard label)."""
    errs = []
    if len(value.encode()) > 253:
        errs.append(max_len_error(253))
    if not re.fullmatch(WILDCARD_FMT, value):
        errs.append(regex_error(_WILDCARD_MSG, WILDCARD_FMT, "*.example.com"))
    return errs


def path_segment_name(name: str) -> list[str]:
    """`content.IsPathSegmentName`."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


# ---------------------------------------------------------------------------------------------
# Ingress


def validate_ingress(ing: dict, old: dict | None = None) -> list[FieldError]:
    """ValidateIngressCreate (with the class annotation rule) or ValidateIngressUpdate."""
    meta = ing.get("metadata") or {}
    spec = ing.get("spec") or {}
    if old is None:
        errs = validate_object_meta(meta, True, dns1123_subdomain)
        errs += validate_ingress_spec(spec, allow_secret=False, allow_wildcard_rule=False)
        annotation = (meta.get("annotations") or {}).get(CLASS_ANNOTATION)
        class_name = spec.get("ingressClassName")
        if annotation is not None and class_name is not None and annotation != class_name:
            errs.append(invalid(f"annotations.{CLASS_ANNOTATION}", annotation,
                                "must match `ingressClassName` when both are specified"))
        return errs
    old_spec = old.get("spec") or {}
    errs = validate_object_meta_update(meta, old.get("metadata"))
    errs += validate_object_meta(meta, True, dns1123_subdomain)
    return errs + validate_ingress_spec(spec, allow_secret=_had_invalid_secret(old_spec),
                                        allow_wildcard_rule=_had_invalid_wildcard(old_spec))


def _had_invalid_secret(spec: dict) -> bool:
    return any(_tls_secret_name((t or {}).get("secretName")) for t in spec.get("tls") or [])


def _had_invalid_wildcard(spec: dict) -> bool:
    return any("*" in str((r or {}).get("host") or "") and _rule_value(r or {}, "")
               for r in spec.get("rules") or [])


def validate_ingress_spec(spec: dict, allow_secret: bool,
                          allow_wildcard_rule: bool) -> list[FieldError]:
    """`ValidateIngressSpec`."""
    errs: list[FieldError] = []
    rules, default = spec.get("rules"), spec.get("defaultBackend")
    if not rules and default is None:
        errs.append(invalid("spec", rules, "either `defaultBackend` or `rules` must be "
                                           "specified"))
    if default is not None:
        errs += _backend(default, "spec.defaultBackend")
    for i, rule in enumerate(rules or []):
        errs += _rule(rule or {}, f"spec.rules[{i}]", allow_wildcard_rule)
    for i, tls in enumerate(spec.get("tls") or []):
        errs += _tls(tls or {}, f"spec.tls[{i}]", allow_secret)
    class_name = spec.get("ingressClassName")
    if class_name is not None:
        errs += [invalid("spec.ingressClassName", class_name, m)
                 for m in dns1123_subdomain(str(class_name))]
    return errs


def _host(host: str, path: str) -> list[FieldError]:
    check = wildcard_subdomain if "*" in host else dns1123_subdomain
    return [invalid(path, host, m) for m in check(host)]


def _rule(rule: dict, path: str, allow_wildcard_rule: bool) -> list[FieldError]:
    """validateIngressRules: the host, then the HTTP paths."""
    host = str(rule.get("host") or "")
    errs: list[FieldError] = []
    if host:
        if parse_ip(host) is not None:
            errs.append(invalid(f"{path}.host", host, "must be a DNS name, not an IP address"))
        errs += _host(host, f"{path}.host")
    if "*" not in host or not allow_wildcard_rule:
        errs += _rule_value(rule, path)
    return errs


def _rule_value(rule: dict, path: str) -> list[FieldError]:
    http = rule.get("http")
    if http is None:
        return []
    paths = http.get("paths") or []
    errs = [] if paths else [required(f"{path}.http.paths")]
    for i, item in enumerate(paths):
        errs += _http_path(item or {}, f"{path}.http.paths[{i}]")
    return errs


def _http_path(item: dict, path: str) -> list[FieldError]:
    """validateHTTPIngressPath: a pathType, a path it accepts, a backend."""
    kind, value = item.get("pathType"), str(item.get("path") or "")
    if kind is None:
        return [required(f"{path}.pathType", "pathType must be specified")]
    errs: list[FieldError] = []
    if kind in ("Exact", "Prefix"):
        if not value.startswith("/"):
            errs.append(invalid(f"{path}.path", value, "must be an absolute path"))
        errs += [invalid(f"{path}.path", value, f"must not contain '{seq}'")
                 for seq in INVALID_PATH_SEQUENCES if seq in value]
        errs += [invalid(f"{path}.path", value, f"cannot end with '{suffix}'")
                 for suffix in INVALID_PATH_SUFFIXES if value.endswith(suffix)]
    elif kind == "ImplementationSpecific":
        if value and not value.startswith("/"):
            errs.append(invalid(f"{path}.path", value, "must be an absolute path"))
    else:
        errs.append(unsupported(f"{path}.pathType", kind, PATH_TYPES))
    return errs + _backend(item.get("backend") or {}, f"{path}.backend")


def _backend(backend: dict, path: str) -> list[FieldError]:
    """validateIngressBackend: a Service (name, port name or number) or a resource."""
    resource, service = backend.get("resource"), backend.get("service")
    if resource is not None and service is not None:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if resource is not None:
        return _typed_reference(resource, f"{path}.resource")
    if service is None:
        return [invalid(path, "", "resource or service backend is required")]
    errs: list[FieldError] = []
    name = str(service.get("name") or "")
    if not name:
        errs.append(required(f"{path}.service.name"))
    else:
        errs += [invalid(f"{path}.service.name", name, m) for m in service_name(name)]
    port = service.get("port") or {}
    port_text, number = str(port.get("name") or ""), port.get("number") or 0
    if port_text and number:
        errs.append(invalid(path, "", "cannot set both port name & port number"))
    elif port_text:
        errs += [invalid(f"{path}.service.port.name", port_text, m)
                 for m in port_name(port_text)]
    elif number:
        errs += [invalid(f"{path}.service.port.number", number, m) for m in port_number(number)]
    else:
        errs.append(required(path, "port name or number is required"))
    return errs


def _typed_reference(ref: dict, path: str) -> list[FieldError]:
    """validateIngressTypedLocalObjectReference: apiGroup, kind and name."""
    errs: list[FieldError] = []
    group = ref.get("apiGroup")
    if group is not None:
        errs += [invalid(f"{path}.apiGroup", group, m) for m in dns1123_subdomain(str(group))]
    for key in ("kind", "name"):
        value = str(ref.get(key) or "")
        if not value:
            errs.append(required(f"{path}.{key}"))
        else:
            errs += [invalid(f"{path}.{key}", value, m) for m in path_segment_name(value)]
    return errs


def _tls_secret_name(name) -> list[str]:
    return dns1123_subdomain(str(name)) if name else []


def _tls(tls: dict, path: str, allow_secret: bool) -> list[FieldError]:
    """validateIngressTLS: hosts (wildcards allowed) and, unless ratcheted, the secret name."""
    errs: list[FieldError] = []
    for i, host in enumerate(tls.get("hosts") or []):
        errs += _host(str(host), f"{path}.hosts[{i}]")
    if not allow_secret:
        secret = tls.get("secretName")
        errs += [invalid(f"{path}.secretName", secret, m) for m in _tls_secret_name(secret)]
    return errs


def validate_ingress_status(ing: dict, old: dict | None = None) -> list[FieldError]:
    """ValidateIngressLoadBalancerStatus: IPs (the stored ones are not re-checked strictly)
    and hostnames that are DNS names, not IPs."""
    status = ing.get("status") if isinstance(ing.get("status"), dict) else {}
    old_status = (old or {}).get("status") or {}
    existing = [str(i.get("ip")) for i in _lb_ingress(old_status) if i.get("ip")]
    errs: list[FieldError] = []
    for i, item in enumerate(_lb_ingress(status or {})):
        path = f"status.loadBalancer.ingress[{i}]"
        ip, hostname = str(item.get("ip") or ""), str(item.get("hostname") or "")
        if ip:
            errs += [invalid(f"{path}.ip", ip, m) for m in ip_address(ip, valid_old=existing)]
        if hostname:
            errs += load_balancer_hostname(f"{path}.hostname", hostname)
    return errs


def _lb_ingress(status: dict) -> list[dict]:
    items = (status.get("loadBalancer") or {}).get("ingress") or []
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


# ---------------------------------------------------------------------------------------------
# IngressClass


def validate_ingress_class(ic: dict, old: dict | None = None) -> list[FieldError]:
    """ValidateIngressClass, or ValidateIngressClassUpdate (metadata change, the controller
    is immutable, then everything ValidateIngressClass checks)."""
    spec = ic.get("spec") or {}
    errs: list[FieldError] = []
    if old is not None:
        errs += validate_object_meta_update(ic.get("metadata"), old.get("metadata"))
        controller = spec.get("controller") or ""
        if controller != ((old.get("spec") or {}).get("controller") or ""):
            errs.append(invalid("spec.controller", controller, "field is immutable"))
    errs += validate_object_meta(ic.get("metadata"), False, dns1123_subdomain)
    return errs + _class_spec(spec)


def _class_spec(spec: dict) -> list[FieldError]:
    controller = str(spec.get("controller") or "")
    errs: list[FieldError] = []
    if not controller:
        errs.append(required("spec.controller"))
    else:
        if len(controller.encode()) > MAX_CONTROLLER_LEN:
            errs.append(too_long("spec.controller",
                                 f"may not be more than {MAX_CONTROLLER_LEN} bytes"))
        errs += domain_prefixed_path("spec.controller", controller)
    params = spec.get("parameters")
    if params is not None:
        errs += _parameters(params, "spec.parameters")
    return errs


def domain_prefixed_path(path: str, value: str) -> list[FieldError]:
    """`IsDomainPrefixedPath`: `acme.io/foo`: a DNS subdomain, '/', an HTTP path."""
    host, sep, rest = value.partition("/")
    if not sep or not host or not rest:
        return [invalid(path, value,
                        'must be a domain-prefixed path (such as "acme.io/foo")')]
    errs = [invalid(path, host, m) for m in dns1123_subdomain(host)]
    if not re.fullmatch(HTTP_PATH_FMT, rest):
        errs.append(invalid(path, rest, regex_error("Invalid path", HTTP_PATH_FMT)))
    return errs


def _parameters(params: dict, path: str) -> list[FieldError]:
    """validateIngressClassParametersReference: kind, name, scope and its namespace rule."""
    errs = _typed_reference(params, path)
    scope, namespace = params.get("scope"), params.get("namespace")
    if scope is None:
        return [*errs, required(f"{path}.scope")]
    if scope not in PARAMETER_SCOPES:
        return [*errs, unsupported(f"{path}.scope", scope, PARAMETER_SCOPES)]
    if scope == "Namespace":
        if namespace is None:
            errs.append(required(f"{path}.namespace", "`parameters.scope` is set to 'Namespace'"))
        else:
            errs += [invalid(f"{path}.namespace", namespace, m)
                     for m in dns1123_label(str(namespace))]
    if scope == "Cluster" and namespace is not None:
        errs.append(forbidden(f"{path}.namespace", "`parameters.scope` is set to 'Cluster'"))
    return errs
