"""`resolve http[s]://HOST/PATH`: Ingress rules as ingress-nginx serves them. Rows name their
source:
  API  = k8s docs concepts/services-networking/ingress.md ("Path types", "Examples" table,
         "Hostname wildcards", "Default IngressClass", "Default backend", "TLS")
  NGX  = ingress-nginx (internal/ingress/controller/controller.go, rootfs/etc/nginx/template/
         nginx.tmpl; docs user-guide/ingress-path-matching.md, user-guide/tls.md)
"""

from __future__ import annotations

import pytest

from kubesvc.resolver import ingress as ing
from kubesvc.resolver.resolve import resolve
from tests.resolver.netpol_world import (
    backend,
    ingress,
    ingress_class,
    namespace,
    path,
    policy,
    rule,
)
from tests.resolver.world import cluster, node, pod, service


def svc(name: str, app: str, ip: str) -> dict:
    return service(name, ip, selector={"app": app},
                   ports=[{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}])


BASE = (node("n1"), node("n2"), namespace("default"), namespace("ingress-nginx"),
        pod("api-1", "10.244.0.11", "n1", {"app": "api"}),
        pod("web-1", "10.244.1.12", "n2", {"app": "web"}),
        pod("docs-1", "10.244.1.13", "n2", {"app": "docs"}),
        svc("api", "api", "10.96.0.11"), svc("web", "web", "10.96.0.12"),
        svc("docs", "docs", "10.96.0.13"), service("empty", "10.96.0.14",
                                                   selector={"app": "none"}))

SHOP = ingress("shop", [rule("shop.example.com",
                             path("/", "web"),
                             path("/api", "api", "http"),
                             path("/api/v1/exact", "docs", kind="Exact"),
                             path("/docs", "docs", kind="ImplementationSpecific"))],
               tls=[{"hosts": ["shop.example.com"], "secretName": "shop-tls"}])
WILD = ingress("wild", [rule("*.example.com", path("/", "docs"))],
               created="2026-01-02T00:00:00Z")
CATCH = ingress("catch", [rule(None, path("/", "api"))], created="2026-01-03T00:00:00Z")


def world(*objs):
    return cluster(*BASE, ingress_class("nginx", default=True), *objs)


@pytest.mark.parametrize("source, objs, url, result, ingress_name, service, path_", [
    ("API Prefix '/' matches every path", [SHOP], "http://shop.example.com/anything",
     "forward", "default/shop", "default/web", "/"),
    ("API Prefix element-wise: /api matches /api", [SHOP], "http://shop.example.com/api",
     "forward", "default/shop", "default/api", "/api"),
    ("API Prefix element-wise: /api matches /api/v1", [SHOP], "http://shop.example.com/api/v1",
     "forward", "default/shop", "default/api", "/api"),
    ("API Prefix element-wise: /api does not match /apis (falls to /)", [SHOP],
     "http://shop.example.com/apis", "forward", "default/shop", "default/web", "/"),
    ("API Exact before Prefix on the same request", [SHOP],
     "http://shop.example.com/api/v1/exact", "forward", "default/shop", "default/docs",
     "/api/v1/exact"),
    ("API Exact does not match a trailing slash", [SHOP],
     "http://shop.example.com/api/v1/exact/", "forward", "default/shop", "default/api", "/api"),
    ("NGX ImplementationSpecific is nginx's plain prefix: /docs matches /docsy", [SHOP],
     "http://shop.example.com/docsy", "forward", "default/shop", "default/docs", "/docs"),
    ("API 'Hostname wildcards': *.example.com matches one label", [SHOP, WILD],
     "http://blog.example.com/x", "forward", "default/wild", "default/docs", "/"),
    ("API 'Hostname wildcards': not two labels", [WILD],
     "http://a.b.example.com/x", "not-found", None, None, None),
    ("API 'Hostname wildcards': not the bare domain", [WILD],
     "http://example.com/", "not-found", None, None, None),
    ("API exact host before a wildcard", [SHOP, WILD], "http://shop.example.com/",
     "forward", "default/shop", "default/web", "/"),
    ("NGX rules without host serve every other host (catch-all server)", [SHOP, CATCH],
     "http://other.test/", "forward", "default/catch", "default/api", "/"),
    ("API 'Default backend' answers what no rule matches",
     [ingress("dflt", [rule("a.test", path("/only", "api", kind="Exact"))],
              default_backend=backend("docs"))],
     "http://a.test/else", "forward", "default/dflt", "default/docs", None),
    ("NGX no rule and no default backend: 404", [SHOP], "http://unknown.test/",
     "not-found", None, None, None),
    ("NGX backend Service port by number", [ingress("num", [rule("n.test", path("/", "api",
                                                                                 80))])],
     "http://n.test/", "forward", "default/num", "default/api", "/"),
    ("NGX backend Service missing: 503", [ingress("gone", [rule("g.test",
                                                                path("/", "nosuch"))])],
     "http://g.test/", "unavailable", "default/gone", "default/nosuch", "/"),
    ("NGX backend port missing: 503", [ingress("port", [rule("p.test",
                                                             path("/", "api", 8443))])],
     "http://p.test/", "unavailable", "default/port", "default/api", "/"),
    ("NGX backend without endpoints: 503", [ingress("e", [rule("e.test", path("/", "empty"))])],
     "http://e.test/", "unavailable", "default/e", "default/empty", "/"),
    ("API 'Default IngressClass': an Ingress without class gets the default one",
     [ingress("noclass", [rule("c.test", path("/", "api"))], cls=None)],
     "http://c.test/", "forward", "default/noclass", "default/api", "/"),
    ("NGX an Ingress of another controller's class is not served",
     [ingress_class("other", controller="example.com/other"),
      ingress("theirs", [rule("t.test", path("/", "api"))], cls="other")],
     "http://t.test/", "not-found", None, None, None),
    ("NGX legacy kubernetes.io/ingress.class annotation names the class",
     [ingress("legacy", [rule("l.test", path("/", "api"))], cls=None,
              annotations={"kubernetes.io/ingress.class": "nginx"})],
     "http://l.test/", "forward", "default/legacy", "default/api", "/"),
    ("NGX the oldest Ingress wins a path two claim",
     [ingress("young", [rule("x.test", path("/", "docs"))], created="2026-03-01T00:00:00Z"),
      ingress("old", [rule("x.test", path("/", "api"))], created="2026-02-01T00:00:00Z")],
     "http://x.test/", "forward", "default/old", "default/api", "/"),
    ("NGX longest path wins across Ingresses of one host",
     [ingress("a", [rule("y.test", path("/", "docs"))]),
      ingress("b", [rule("y.test", path("/deep/er", "api"))])],
     "http://y.test/deep/er/x", "forward", "default/b", "default/api", "/deep/er"),
])
def test_ingress_routing(source, objs, url, result, ingress_name, service, path_):
    route = resolve(world(*objs), url, None, "default")
    assert route.way == "Ingress"
    assert route.result == result, source
    assert (route.ingress or {}).get("name") == ingress_name, source
    assert route.service == service, source
    assert (route.ingress or {}).get("path") == path_, source


def test_route_carries_the_ingress_and_the_endpoints_directly():
    route = resolve(world(SHOP), "https://shop.example.com/api/v1/items", None, "default")
    assert route.to_dict()["ingress"] == {"name": "default/shop", "host": "shop.example.com",
                                          "path": "/api", "pathType": "Prefix"}
    assert route.backends == ["10.244.0.11:8080"]  # the pod, not the cluster IP
    assert route.port is not None and route.port["name"] == "http"
    tls = [r for r in route.reasons if r.code == "ingress-tls"]
    assert "Secret default/shop-tls" in tls[0].message


@pytest.mark.parametrize("url, expected", [
    ("https://blog.example.com/", "self-signed default certificate"),  # API TLS: host unlisted
    ("http://shop.example.com/", "308 Permanent Redirect"),  # NGX ssl-redirect
])
def test_tls_notes(url, expected):
    route = resolve(world(SHOP, WILD), url, None, "default")
    assert any(expected in r.message for r in route.reasons if r.code == "ingress-tls")


def test_no_class_and_no_default_class_is_said():
    view = cluster(*BASE, ingress_class("nginx"),
                   ingress("noclass", [rule("c.test", path("/", "api"))], cls=None))
    route = resolve(view, "http://c.test/", None, "default")
    assert route.result == "not-found"
    assert any(r.code == "ingress-class" and "no IngressClass is the default" in r.message
               for r in route.reasons)


def test_controller_to_backend_is_judged_by_network_policies():
    controller = pod("ingress-nginx-controller-1", "10.244.0.50", "n1",
                     dict(ing.CONTROLLER_LABELS), ns="ingress-nginx")
    deny = policy("api-deny", {"matchLabels": {"app": "api"}}, types=["Ingress"])
    allow = policy("api-from-ingress", {"matchLabels": {"app": "api"}}, ingress=[{"from": [{
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]}])
    dropped = resolve(world(SHOP, controller, deny), "http://shop.example.com/api", None, "default")
    assert (dropped.result, [e.address for e in dropped.blocked]) == ("drop",
                                                                      ["10.244.0.11:8080"])
    passed = resolve(world(SHOP, controller, deny, allow), "http://shop.example.com/api", None,
                     "default")
    assert passed.result == "forward"


@pytest.mark.parametrize("text, parsed", [
    ("http://Shop.Example.com/api", ("http", "shop.example.com", 80, "/api")),
    ("https://shop.example.com", ("https", "shop.example.com", 443, "/")),
    ("http://shop.example.com:8080/x?y=1", ("http", "shop.example.com", 8080, "/x")),
])
def test_parse_url(text, parsed):
    url = ing.parse_url(text)
    assert (url.scheme, url.host, url.port, url.path) == parsed


@pytest.mark.parametrize("annotation, result", [("nginx", "forward"), ("traefik", "not-found")])
def test_legacy_annotation_without_ingress_class(annotation, result):
    """NGX store.GetIngressClass: the annotation equal to --ingress-class (default nginx) is
    served with no IngressClass object at all."""
    view = cluster(*BASE, ingress("legacy", [rule("l.test", path("/", "api"))], cls=None,
                                  annotations={"kubernetes.io/ingress.class": annotation}))
    assert resolve(view, "http://l.test/", None, "default").result == result


def test_address_is_the_matched_ingress_status():
    """NGX status sync writes where the controller is reachable (kubectl's ADDRESS)."""
    shop = {**SHOP, "status": {"loadBalancer": {"ingress": [{"ip": "172.18.255.201"}]}}}
    route = resolve(world(shop), "http://shop.example.com/", None, "default")
    assert route.address == "172.18.255.201:80/TCP"
