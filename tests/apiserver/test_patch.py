"""`kubectl patch`, the three patch types (kubesvc.apiserver.patch).

Every expectation of CASES was produced by the real client, kubectl 1.37.1, as
`kubectl patch --local -f FIXTURE -p PATCH --type TYPE -o json` (objects, or what it printed on
stderr), then written down here as literals. An expected object is given as its changes from
the fixture: {path: new value}, GONE for a field the patch removed.

The strategic cases include the scenarios of apimachinery's strategicpatch tests
(pkg/util/strategicpatch/patch_test.go), restated on real kinds: their mergingList is a list of
containers, mergingIntList the finalizers, simpleMap the labels, the retainKeys map a
Deployment's strategy and the retainKeys merging list a Pod's volumes.

SERVER_ERRORS are what kubectl prints when kube-apiserver rejects the patch: kubectl --local
cannot show them, so they follow kube-apiserver's patch handler (handlers/patch.go) and
kubectl's error printer (cmd/util/helpers.go) instead.
"""

from __future__ import annotations

import copy
import json

import pytest

from kubesvc.api.errors import ClientError, KubesvcError, StatusError
from kubesvc.apiserver.patch.decode import parse_patch
from kubesvc.apiserver.patch.json_merge import merge_patch
from kubesvc.apiserver.patch.json_patch import json_patch
from kubesvc.apiserver.patch.patch_errors import PatchError
from kubesvc.apiserver.patch.patch_meta import patch_meta
from kubesvc.apiserver.patch.patches import apply_patch
from kubesvc.apiserver.patch.strategic import strategic_merge_patch

GONE = object()

SERVICE = {'apiVersion': 'v1',
           'kind': 'Service',
           'metadata': {'name': 'web', 'labels': {'app': 'web'}},
           'spec': {'selector': {'app': 'web'},
                    'ports': [{'name': 'http', 'port': 80, 'targetPort': 8080},
                              {'name': 'https', 'port': 443}]}}
DEPLOYMENT = {'apiVersion': 'apps/v1',
              'kind': 'Deployment',
              'metadata': {'name': 'web', 'finalizers': ['a', 'b']},
              'spec': {'replicas': 2,
                       'selector': {'matchLabels': {'app': 'web'}},
                       'strategy': {'type': 'RollingUpdate', 'rollingUpdate': {'maxSurge': 1}},
                       'template': {'metadata': {'labels': {'app': 'web'}},
                                    'spec': {'containers': [{'name': 'app',
                                                             'image': 'nginx',
                                                             'ports': [{'containerPort': 80}],
                                                             'env': [{'name': 'A', 'value': '1'},
                                                                     {'name': 'B', 'value': '2'}]},
                                                            {'name': 'side', 'image': 'busybox'}],
                                             'tolerations': [{'key': 'k1',
                                                              'operator': 'Exists'}]}}}}
POD = {'apiVersion': 'v1',
       'kind': 'Pod',
       'metadata': {'name': 'p',
                    'labels': {'key1': '1', 'key2': '1'},
                    'finalizers': ['1', '2', '3']},
       'spec': {'containers': [{'name': '1'}, {'name': '2', 'image': 'b'},
                               {'name': '3', 'args': ['a', 'b', 'c']}],
                'tolerations': [{'key': '1'}, {'key': '2'}],
                'volumes': [{'name': 'bar'}, {'name': 'foo', 'hostPath': {'path': '/a'}}]}}
POD_DUPS = {'apiVersion': 'v1',
            'kind': 'Pod',
            'metadata': {'name': 'p', 'finalizers': ['1', '2', '3', '3', '4']},
            'spec': {'containers': [{'name': '1'}, {'name': '1'}, {'name': '2', 'image': 'a'},
                                    {'name': '3'}, {'name': '3'}]}}
POD_SHORT = {'apiVersion': 'v1',
             'kind': 'Pod',
             'metadata': {'name': 'p', 'finalizers': ['1', '2', '3', '3', '4']},
             'spec': {'containers': [{'name': '1'}, {'name': '2'}, {'name': '3'}]}}
POD_FULL = {'apiVersion': 'v1',
            'kind': 'Pod',
            'metadata': {'name': 'p',
                         'ownerReferences': [{'apiVersion': 'apps/v1',
                                              'kind': 'ReplicaSet',
                                              'name': 'rs',
                                              'uid': 'u1'}]},
            'spec': {'containers': [{'name': 'c',
                                     'image': 'nginx',
                                     'ports': [{'containerPort': 80, 'name': 'http'},
                                               {'containerPort': 443, 'name': 'https'}],
                                     'volumeMounts': [{'name': 'data', 'mountPath': '/data'}],
                                     'env': [{'name': 'A', 'value': '1'}]}],
                     'volumes': [{'name': 'data', 'emptyDir': {}}],
                     'imagePullSecrets': [{'name': 's1'}]},
            'status': {'podIPs': [{'ip': '10.1.0.5'}],
                       'conditions': [{'type': 'Ready', 'status': 'False'}]}}
NODE = {'apiVersion': 'v1',
        'kind': 'Node',
        'metadata': {'name': 'n1', 'labels': {'zone': 'a'}},
        'spec': {'podCIDR': '10.0.0.0/24',
                 'taints': [{'key': 'k1', 'effect': 'NoSchedule'},
                            {'key': 'k2', 'value': 'v', 'effect': 'NoExecute'}]},
        'status': {'addresses': [{'type': 'InternalIP', 'address': '10.0.0.1'},
                                 {'type': 'Hostname', 'address': 'n1'}],
                   'conditions': [{'type': 'Ready', 'status': 'True'},
                                  {'type': 'MemoryPressure', 'status': 'False'}]}}
SLICE = {'apiVersion': 'discovery.k8s.io/v1',
         'kind': 'EndpointSlice',
         'metadata': {'name': 'web-abc', 'labels': {'kubernetes.io/service-name': 'web'}},
         'addressType': 'IPv4',
         'endpoints': [{'addresses': ['10.1.0.5'], 'conditions': {'ready': True}}],
         'ports': [{'name': 'http', 'port': 8080, 'protocol': 'TCP'}]}
CONFIGMAP = {'apiVersion': 'v1',
             'kind': 'ConfigMap',
             'metadata': {'name': 'c'},
             'data': {'a': '1'}}
WIDGET = {'apiVersion': 'example.com/v1',
          'kind': 'Widget',
          'metadata': {'name': 'w'},
          'spec': {'a': [1]}}
SERVICE_UNKNOWN = {'apiVersion': 'v1',
                   'kind': 'Service',
                   'metadata': {'name': 'c'},
                   'spec': {'foo': {'a': 1}, 'bar': [1], 'baz': 1}}
FOO = {'apiVersion': 'v1', 'kind': 'Foo', 'metadata': {'name': 'c'}}
OLD_DEPLOYMENT = {'apiVersion': 'extensions/v1beta1',
                  'kind': 'Deployment',
                  'metadata': {'name': 'c'},
                  'spec': {'replicas': 1}}


def expected_object(fixture: dict, changes: dict) -> dict:
    obj = copy.deepcopy(fixture)
    for path, value in changes.items():
        parent = obj
        for key in path[:-1]:
            parent = parent.setdefault(key, {})
        if value is GONE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return obj


# (fixture, --type, -p, changes to the fixture | kubectl's error line)
CASES = [
    # --type merge: RFC 7386 as evanphx/json-patch applies it
    (SERVICE, 'merge', '{"spec":{"ports":[{"port":80,"targetPort":9090}]}}',
     {('spec', 'ports'): [{'port': 80, 'targetPort': 9090}]}),
    (SERVICE, 'merge', '{"metadata":{"labels":{"app":null}}}',
     {('metadata', 'labels', 'app'): GONE}),
    (SERVICE, 'merge', '{"spec":{"x":{"a":null,"b":{"c":null,"d":1}}}}',
     {('spec', 'x'): {'b': {'d': 1}}}),
    (SERVICE, 'merge', '{"spec":{"selector":"x"}}',
     {('spec', 'selector'): 'x'}),
    (SERVICE, 'merge', '{"spec":{"selector":[{"b":null,"c":{"d":null}}]}}',
     {('spec', 'selector'): [{'b': None, 'c': {'d': None}}]}),
    (SERVICE, 'merge', '{"spec":{"ports":[{"b":null,"c":{"d":null}}, null]}}',
     {('spec', 'ports'): [{'c': {}}, None]}),
    (SERVICE, 'merge', '{"spec":{"ports":null,"selector":{"app":"x","new":{"a":null}}}}',
     {('spec', 'selector', 'app'): 'x',
      ('spec', 'selector', 'new'): {},
      ('spec', 'ports'): GONE}),
    (DEPLOYMENT, 'merge',
     '{"spec":{"template":{"spec":{"containers":[{"name":"new","image":"x"}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'image': 'x', 'name': 'new'}]}),
    (WIDGET, 'merge', '{"spec":{"a":[2]}}',
     {('spec', 'a'): [2]}),
    (SERVICE, 'merge', 'null',
     'error: Invalid JSON Patch'),
    (SERVICE, 'merge', '1',
     'error: Invalid JSON Patch'),
    (SERVICE, 'merge', '[1]',
     'error: json: cannot unmarshal array into Go value of type unstructured.detector'),
    (SERVICE, 'merge', '{"kind":null}',
     'error: Object \'Kind\' is missing in \'{"apiVersion":"v1","metadata":{"labels":{"app":'
        '"web"},"name":"web"},"spec":{"ports":[{"name":"http","port":80,"targetPort":8080},{"na'
        'me":"https","port":443}],"selector":{"app":"web"}}}\''),
    (SERVICE, 'merge', '{"a":[1,2 3]}',
     'error: Invalid JSON Patch'),
    # --type json: RFC 6902 as evanphx/json-patch v4 applies it, with its texts
    (SERVICE, 'json',
     '[{"op":"add","path":"/metadata/annotations","value":{"a/b":"1"}},{"op":"add","path":"/met'
     'adata/annotations/c~1d","value":"2"},{"op":"replace","path":"/metadata/annotations/a~1b",'
     '"value":"3"},{"op":"copy","from":"/spec/ports/0","path":"/spec/ports/-"},{"op":"move","fr'
     'om":"/spec/ports/0","path":"/spec/ports/1"},{"op":"test","path":"/spec/ports/2/port","val'
     'ue":80}]',
     {('metadata', 'annotations'): {'a/b': '3', 'c/d': '2'},
      ('spec', 'ports'): [{'name': 'https', 'port': 443},
                          {'name': 'http', 'port': 80, 'targetPort': 8080},
                          {'name': 'http', 'port': 80, 'targetPort': 8080}]}),
    (SERVICE, 'json',
     '- op: add\n  path: /metadata/labels/tier\n  value: fe\n- {op: remove, path: /spec/ports/1}',
     {('metadata', 'labels', 'tier'): 'fe',
      ('spec', 'ports'): [{'name': 'http', 'port': 80, 'targetPort': 8080}]}),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/selector/~0x~1y~01","value":"z"}]',
     {('spec', 'selector', '~x/y~1'): 'z'}),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/ports/-1","value":{"port":1}}]',
     {('spec', 'ports'): [{'name': 'http', 'port': 80, 'targetPort': 8080},
                          {'name': 'https', 'port': 443}, {'port': 1}]}),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/ports/+0","value":{"port":1}}]',
     {('spec', 'ports'): [{'port': 1}, {'name': 'http', 'port': 80, 'targetPort': 8080},
                          {'name': 'https', 'port': 443}]}),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/ports/01","value":{"port":1}}]',
     {('spec', 'ports'): [{'name': 'http', 'port': 80, 'targetPort': 8080}, {'port': 1},
                          {'name': 'https', 'port': 443}]}),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/ports/2","value":{"port":1}}]',
     {('spec', 'ports'): [{'name': 'http', 'port': 80, 'targetPort': 8080},
                          {'name': 'https', 'port': 443}, {'port': 1}]}),
    (SERVICE, 'json', '[{"op":"remove","path":"/spec/ports/-1"}]',
     {('spec', 'ports'): [{'name': 'http', 'port': 80, 'targetPort': 8080}]}),
    (SERVICE, 'json', '[{"op":"replace","path":"/spec/ports/-1","value":1}]',
     {('spec', 'ports'): [{'name': 'http', 'port': 80, 'targetPort': 8080}, 1]}),
    (SERVICE, 'json', '[{"op":"replace","path":"/spec/nope","value":1}]',
     {('spec', 'nope'): 1}),
    (SERVICE, 'json', '[{"op":"copy","from":"/spec/nope","path":"/spec/x"}]',
     {('spec', 'x'): None}),
    (SERVICE, 'json', '[{"op":"copy","from":"/spec/ports","path":"/spec/ports/0"}]',
     {('spec', 'ports'): [[{'name': 'http', 'port': 80, 'targetPort': 8080},
                           {'name': 'https', 'port': 443}],
                          {'name': 'http', 'port': 80, 'targetPort': 8080},
                          {'name': 'https', 'port': 443}]}),
    (SERVICE, 'json', '[{"op":"move","from":"/spec/ports/0","path":"/spec/ports/-"}]',
     {('spec', 'ports'): [{'name': 'https', 'port': 443},
                          {'name': 'http', 'port': 80, 'targetPort': 8080}]}),
    (SERVICE, 'json', '[{"op":"add","path":"/metadata/x"}]',
     {('metadata', 'x'): None}),
    (SERVICE, 'json', '[{"op":"add","path":"/","value":1}]',
     {('',): 1}),
    (SERVICE, 'json', '[{"op":"test","path":"/spec/nope","value":null}]',
     {}),
    (SERVICE, 'json', '[{"op":"test","path":"/spec/nope"}]',
     {}),
    (SERVICE, 'json',
     '[{"op":"test","path":"/spec/ports/0","value":{"port":80,"name":"http","targetPort":8080}}]',
     {}),
    (SERVICE, 'json', '[{"op":"test","path":"/spec/ports/0/port","value":80.0}]',
     {}),
    (SERVICE, 'json', '[{"op":"test","path":"/spec/ports/-1/port","value":443}]',
     {}),
    (SERVICE, 'json',
     '[{"op":"replace","path":"","value":{"apiVersion":"v1","kind":"Service","metadata":{"name"'
     ':"x"}}}]',
     {('metadata', 'name'): 'x',
      ('metadata', 'labels'): GONE,
      ('spec',): GONE}),
    (SERVICE, 'json',
     '[{"op":"add","path":"/metadata/labels","value":null},{"op":"add","path":"/metadata/labels'
     '/x","value":1}]',
     'error: add operation does not apply: doc is missing path: "/metadata/labels/x": missin'
        'g value'),
    (SERVICE, 'json', '[]',
     {}),
    (SERVICE, 'json', 'null',
     {}),
    (POD_FULL, 'json',
     '[{"op":"replace","path":"/spec/containers/0/image","value":"httpd"},{"op":"add","path":"/'
     'spec/containers/0/env/-","value":{"name":"B","value":"2"}}]',
     {('spec', 'containers'): [{'env': [{'name': 'A', 'value': '1'}, {'name': 'B', 'value': '2'}],
                                'image': 'httpd',
                                'name': 'c',
                                'ports': [{'containerPort': 80, 'name': 'http'},
                                          {'containerPort': 443, 'name': 'https'}],
                                'volumeMounts': [{'mountPath': '/data', 'name': 'data'}]}]}),
    (WIDGET, 'json', '[{"op":"add","path":"/spec/a/-","value":2}]',
     {('spec', 'a'): [1, 2]}),
    (SERVICE, 'json', '[{"op":"remove","path":"/spec/nope"}]',
     "error: error in remove for path: '/spec/nope': Unable to remove nonexistent key: nope:"
        ' missing value'),
    (SERVICE, 'json', '[{"op":"remove","path":"/spec/a/b"}]',
     'error: remove operation does not apply: doc is missing path: "/spec/a/b": missing value'),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/a/b","value":1}]',
     'error: add operation does not apply: doc is missing path: "/spec/a/b": missing value'),
    (SERVICE, 'json', '[{"op":"replace","path":"/spec/a/b","value":1}]',
     'error: replace operation does not apply: doc is missing path: /spec/a/b: missing value'),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/ports/5","value":1}]',
     "error: error in add for path: '/spec/ports/5': Unable to access invalid index: 5: inva"
        'lid index referenced'),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/ports/-4","value":{"port":1}}]',
     "error: error in add for path: '/spec/ports/-4': Unable to access invalid index: -4: in"
        'valid index referenced'),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/ports/x","value":1}]',
     "error: error in add for path: '/spec/ports/x': value was not a proper array index: 'x'"
        ': strconv.Atoi: parsing "x": invalid syntax'),
    (SERVICE, 'json', '[{"op":"add","path":"/spec/ports/99999999999999999999","value":1}]',
     "error: error in add for path: '/spec/ports/99999999999999999999': value was not a prop"
        'er array index: \'99999999999999999999\': strconv.Atoi: parsing "99999999999999999999"'
        ': value out of range'),
    (SERVICE, 'json', '[{"op":"remove","path":"/spec/ports/5"}]',
     "error: error in remove for path: '/spec/ports/5': Unable to access invalid index: 5: i"
        'nvalid index referenced'),
    (SERVICE, 'json', '[{"op":"remove","path":"/spec/ports/x"}]',
     'error: error in remove for path: \'/spec/ports/x\': strconv.Atoi: parsing "x": invalid'
        ' syntax'),
    (SERVICE, 'json', '[{"op":"replace","path":"/spec/ports/5","value":1}]',
     'error: Object to be patched is missing field (/spec/ports/5: missing value)'),
    (SERVICE, 'json', '[{"op":"replace","path":"/spec/ports/x","value":1}]',
     'error: Object to be patched is missing field (/spec/ports/x: missing value)'),
    (SERVICE, 'json', '[{"op":"test","path":"/spec/selector/app","value":"x"}]',
     'error: testing value /spec/selector/app failed: test failed'),
    (SERVICE, 'json', '[{"op":"test","path":"/spec/ports/0/port","value":"80"}]',
     'error: testing value /spec/ports/0/port failed: test failed'),
    (SERVICE, 'json', '[{"op":"test","path":"/spec/nope","value":1}]',
     'error: testing value /spec/nope failed: test failed'),
    (SERVICE, 'json', '[{"op":"test","path":"","value":{}}]',
     'error: testing value  failed: test failed'),
    (SERVICE, 'json', '[{"op":"test","path":"/spec/nope/x"}]',
     'error: test operation does not apply: is missing path: /spec/nope/x: missing value'),
    (SERVICE, 'json', '[{"op":"test","path":"/spec/ports/9","value":1}]',
     "error: error in test for path: '/spec/ports/9': Unable to access invalid index: 9: inv"
        'alid index referenced'),
    (SERVICE, 'json', '[{"op":"move","from":"/spec/nope","path":"/spec/x"}]',
     "error: error in move for path: 'nope': Unable to remove nonexistent key: nope: missing"
        ' value'),
    (SERVICE, 'json', '[{"op":"move","from":"/spec/ports/9","path":"/x"}]',
     "error: error in move for path: '9': Unable to access invalid index: 9: invalid index r"
        'eferenced'),
    (SERVICE, 'json', '[{"op":"move","from":"/spec/selector","path":"/spec/nope/x"}]',
     'error: move operation does not apply: doc is missing destination path: /spec/nope/x: m'
        'issing value'),
    (SERVICE, 'json', '[{"op":"move","from":"/spec/selector","path":"/spec/ports/9"}]',
     "error: error in move for path: '/spec/ports/9': Unable to access invalid index: 9: inv"
        'alid index referenced'),
    (SERVICE, 'json', '[{"op":"move","path":"/x"}]',
     'error: move operation failed to decode from: operation, missing from field: missing va'
        'lue'),
    (SERVICE, 'json', '[{"op":"copy","from":"/spec/ports/9","path":"/x"}]',
     "error: error in copy for from: '/spec/ports/9': Unable to access invalid index: 9: inv"
        'alid index referenced'),
    (SERVICE, 'json', '[{"op":"copy","from":"/spec/selector","path":"/spec/x/y"}]',
     'error: copy operation does not apply: doc is missing destination path: /spec/x/y: miss'
        'ing value'),
    (SERVICE, 'json', '[{"op":"copy","from":"/spec/selector","path":"/spec/ports/9"}]',
     'error: error while adding value during copy: Unable to access invalid index: 9: invali'
        'd index referenced'),
    (SERVICE, 'json', '[{"op":"add","value":1}]',
     'error: add operation failed to decode path: missing value'),
    (SERVICE, 'json', '[{"op":"replace","path":3}]',
     'error: replace operation failed to decode path: json: cannot unmarshal number into Go '
        'value of type string'),
    (SERVICE, 'json', '[{"op":"add","path":"spec","value":1}]',
     'error: add operation does not apply: doc is missing path: "spec": missing value'),
    (SERVICE, 'json', '[{"op":"add","path":"","value":{}}]',
     'error: add operation does not apply: doc is missing path: "": missing value'),
    (SERVICE, 'json', '[{"op":"frob","path":"/a"}]',
     'error: Unexpected kind: frob'),
    (SERVICE, 'json', '[{"path":"/a"}]',
     'error: Unexpected kind: unknown'),
    (SERVICE, 'json', '[{"op":"remove","path":"/kind"}]',
     'error: Object \'Kind\' is missing in \'{"apiVersion":"v1","metadata":{"labels":{"app":'
        '"web"},"name":"web"},"spec":{"ports":[{"name":"http","port":80,"targetPort":8080},{"na'
        'me":"https","port":443}],"selector":{"app":"web"}}}\''),
    (SERVICE, 'json', '[{"op":"replace","path":"","value":[1]}]',
     'error: json: cannot unmarshal array into Go value of type unstructured.detector'),
    (SERVICE, 'json', '[{"op":"replace","path":"","value":1}]',
     'error: replace operation value must be object or array: %!w(<nil>)'),
    (SERVICE, 'json', '{}',
     'error: json: cannot unmarshal object into Go value of type jsonpatch.Patch'),
    (SERVICE, 'json', 'x',
     'error: json: cannot unmarshal string into Go value of type jsonpatch.Patch'),
    (SERVICE, 'json', '[1]',
     'error: json: cannot unmarshal number into Go value of type jsonpatch.Operation'),
    (SERVICE, 'json', '[null]',
     'error: Unexpected kind: unknown'),
    (SERVICE, 'json', '{',
     'error: unexpected end of JSON input'),
    (SERVICE, 'json', '{"a":1 "b":2}',
     'error: invalid character \'"\' after object key:value pair'),
    (SERVICE, 'json', '{"a":1} x',
     "error: invalid character 'x' after top-level value"),
    (SERVICE, 'json', '{"a" 1}',
     "error: invalid character '1' after object key"),
    (SERVICE, 'json', '{,}',
     "error: invalid character ',' looking for beginning of object key string"),
    (SERVICE, 'json', '{"a":[1,]}',
     "error: invalid character ']' looking for beginning of value"),
    (SERVICE, 'json', '{"a":"\t"}',
     "error: invalid character '\\t' in string literal"),
    (SERVICE, 'json', '{"a": NaN}',
     "error: invalid character 'N' looking for beginning of value"),
    # strategic: lists merge on the patchMergeKey of the upstream struct tags
    (SERVICE, 'strategic', '{"spec":{"ports":[{"port":80,"targetPort":9090}]}}',
     {('spec', 'ports'): [{'name': 'http', 'port': 80, 'targetPort': 9090},
                          {'name': 'https', 'port': 443}]}),
    (SERVICE, 'strategic', '{"spec":{"ports":[{"port":8443,"name":"alt"}]}}',
     {('spec', 'ports'): [{'name': 'alt', 'port': 8443},
                          {'name': 'http', 'port': 80, 'targetPort': 8080},
                          {'name': 'https', 'port': 443}]}),
    (SERVICE, 'strategic', '{"spec":{"ports":[{"port":80,"protocol":"UDP"}]}}',
     {('spec', 'ports'): [{'name': 'http', 'port': 80, 'protocol': 'UDP', 'targetPort': 8080},
                          {'name': 'https', 'port': 443}]}),
    (SERVICE, 'strategic', '{"spec":{"ports":[{"port":80.0,"name":"f"}]}}',
     {('spec', 'ports'): [{'name': 'f', 'port': 80},
                          {'name': 'http', 'port': 80, 'targetPort': 8080},
                          {'name': 'https', 'port': 443}]}),
    (SERVICE, 'strategic', '{"spec":{"selector":{"app":null,"tier":"fe"}}}',
     {('spec', 'selector', 'app'): GONE,
      ('spec', 'selector', 'tier'): 'fe'}),
    (SERVICE, 'strategic', 'spec:\n  type: NodePort',
     {('spec', 'type'): 'NodePort'}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"new","image":"x"}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'image': 'x', 'name': 'new'},
                                                   {'env': [{'name': 'A', 'value': '1'},
                                                            {'name': 'B', 'value': '2'}],
                                                    'image': 'nginx',
                                                    'name': 'app',
                                                    'ports': [{'containerPort': 80}]},
                                                   {'image': 'busybox', 'name': 'side'}]}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"y"},{"name":"new","ima'
     'ge":"x"}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'env': [{'name': 'A', 'value': '1'},
                                                            {'name': 'B', 'value': '2'}],
                                                    'image': 'nginx',
                                                    'name': 'app',
                                                    'ports': [{'containerPort': 80}]},
                                                   {'image': 'y', 'name': 'side'},
                                                   {'image': 'x', 'name': 'new'}]}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"app","ports":[{"containerPort":8080}]'
     '}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'env': [{'name': 'A', 'value': '1'},
                                                            {'name': 'B', 'value': '2'}],
                                                    'image': 'nginx',
                                                    'name': 'app',
                                                    'ports': [{'containerPort': 8080},
                                                              {'containerPort': 80}]},
                                                   {'image': 'busybox', 'name': 'side'}]}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"20"}'
     ',{"name":"Z","value":"26"}]}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'env': [{'name': 'A', 'value': '1'},
                                                            {'name': 'B', 'value': '20'},
                                                            {'name': 'Z', 'value': '26'}],
                                                    'image': 'nginx',
                                                    'name': 'app',
                                                    'ports': [{'containerPort': 80}]},
                                                   {'image': 'busybox', 'name': 'side'}]}),
    (DEPLOYMENT, 'strategic', '{"spec":{"template":{"spec":{"tolerations":[{"key":"k2"}]}}}}',
     {('spec', 'template', 'spec', 'tolerations'): [{'key': 'k2'}]}),
    (DEPLOYMENT, 'strategic', '{"metadata":{"finalizers":["c","a"]}}',
     {('metadata', 'finalizers'): ['c', 'a', 'b']}),
    (DEPLOYMENT, 'strategic', '{"spec":{"replicas":null,"template":{"spec":{"containers":null}}}}',
     {('spec', 'replicas'): GONE,
      ('spec', 'template', 'spec', 'containers'): GONE}),
    (POD_FULL, 'strategic',
     '{"spec":{"containers":[{"name":"c","ports":[{"containerPort":443,"name":"tls"},{"containe'
     'rPort":8080}]}]}}',
     {('spec', 'containers'): [{'env': [{'name': 'A', 'value': '1'}],
                                'image': 'nginx',
                                'name': 'c',
                                'ports': [{'containerPort': 80, 'name': 'http'},
                                          {'containerPort': 443, 'name': 'tls'},
                                          {'containerPort': 8080}],
                                'volumeMounts': [{'mountPath': '/data', 'name': 'data'}]}]}),
    (POD_FULL, 'strategic',
     '{"spec":{"containers":[{"name":"c","volumeMounts":[{"mountPath":"/cache","name":"cache"}]'
     '}],"volumes":[{"name":"cache","emptyDir":{}}]}}',
     {('spec', 'containers'): [{'env': [{'name': 'A', 'value': '1'}],
                                'image': 'nginx',
                                'name': 'c',
                                'ports': [{'containerPort': 80, 'name': 'http'},
                                          {'containerPort': 443, 'name': 'https'}],
                                'volumeMounts': [{'mountPath': '/cache', 'name': 'cache'},
                                                 {'mountPath': '/data', 'name': 'data'}]}],
      ('spec', 'volumes'): [{'emptyDir': {}, 'name': 'cache'}, {'emptyDir': {}, 'name': 'data'}]}),
    (POD_FULL, 'strategic', '{"spec":{"imagePullSecrets":[{"name":"s2"}]}}',
     {('spec', 'imagePullSecrets'): [{'name': 's2'}, {'name': 's1'}]}),
    (POD_FULL, 'strategic',
     '{"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs2",'
     '"uid":"u2"}]}}',
     {('metadata', 'ownerReferences'): [{'apiVersion': 'apps/v1',
                                         'kind': 'ReplicaSet',
                                         'name': 'rs2',
                                         'uid': 'u2'},
                                        {'apiVersion': 'apps/v1',
                                         'kind': 'ReplicaSet',
                                         'name': 'rs',
                                         'uid': 'u1'}]}),
    (POD_FULL, 'strategic',
     '{"status":{"podIPs":[{"ip":"fd00::5"}],"conditions":[{"type":"Ready","status":"True"}]}}',
     {('status', 'podIPs'): [{'ip': 'fd00::5'}, {'ip': '10.1.0.5'}],
      ('status', 'conditions'): [{'status': 'True', 'type': 'Ready'}]}),
    (NODE, 'strategic', '{"spec":{"taints":[{"key":"k3","effect":"NoSchedule"}]}}',
     {('spec', 'taints'): [{'effect': 'NoSchedule', 'key': 'k3'}]}),
    (NODE, 'strategic', '{"status":{"addresses":[{"type":"ExternalIP","address":"1.2.3.4"}]}}',
     {('status', 'addresses'): [{'address': '1.2.3.4', 'type': 'ExternalIP'},
                                {'address': '10.0.0.1', 'type': 'InternalIP'},
                                {'address': 'n1', 'type': 'Hostname'}]}),
    (NODE, 'strategic',
     '{"status":{"conditions":[{"type":"Ready","status":"False","reason":"KubeletDown"}]}}',
     {('status', 'conditions'): [{'reason': 'KubeletDown', 'status': 'False', 'type': 'Ready'},
                                 {'status': 'False', 'type': 'MemoryPressure'}]}),
    (SLICE, 'strategic', '{"endpoints":[{"addresses":["10.1.0.6"]}]}',
     {('endpoints',): [{'addresses': ['10.1.0.6']}]}),
    (SLICE, 'strategic', '{"ports":[{"name":"https","port":8443}]}',
     {('ports',): [{'name': 'https', 'port': 8443}]}),
    (CONFIGMAP, 'strategic', '{"data":{"b":"2"}}',
     {('data', 'b'): '2'}),
    (OLD_DEPLOYMENT, 'strategic', '{"spec":{"replicas":2}}',
     {('spec', 'replicas'): 2}),
    (SERVICE_UNKNOWN, 'strategic', '{"spec":{"baz":2}}',
     {('spec', 'baz'): 2}),
    # strategic: directives
    (SERVICE, 'strategic', '{"spec":{"ports":[{"port":443,"$patch":"delete"}]}}',
     {('spec', 'ports'): [{'name': 'http', 'port': 80, 'targetPort': 8080}]}),
    (SERVICE, 'strategic', '{"spec":{"ports":[{"$patch":"replace"},{"port":1}]}}',
     {('spec', 'ports'): [{'port': 1}]}),
    (SERVICE, 'strategic', '{"spec":{"selector":{"$patch":"replace","tier":"fe"}}}',
     {('spec', 'selector', 'app'): GONE,
      ('spec', 'selector', 'tier'): 'fe'}),
    (SERVICE, 'strategic', '{"spec":{"$setElementOrder/ports":[{"port":443},{"port":80}]}}',
     {('spec', 'ports'): [{'name': 'https', 'port': 443},
                          {'name': 'http', 'port': 80, 'targetPort': 8080}]}),
    (SERVICE, 'strategic',
     '{"spec":{"ports":[{"port":443,"$patch":"delete"},{"port":444,"$patch":"delete"}],"$setEle'
     'mentOrder/ports":[{"port":80}]}}',
     {('spec', 'ports'): [{'name': 'http', 'port': 80, 'targetPort': 8080}]}),
    (DEPLOYMENT, 'strategic', '{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}',
     {('metadata', 'finalizers'): ['b']}),
    (DEPLOYMENT, 'strategic', '{"metadata":{"$setElementOrder/finalizers":["b","a"]}}',
     {('metadata', 'finalizers'): ['b', 'a']}),
    (DEPLOYMENT, 'strategic',
     '{"metadata":{"$setElementOrder/finalizers":["a","c"],"finalizers":["c"]}}',
     {('metadata', 'finalizers'): ['a', 'c', 'b']}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"app","$patch":"delete"}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'image': 'busybox', 'name': 'side'}]}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"replace","image":"q"}'
     ']}}}}',
     {('spec', 'template', 'spec', 'containers'): []}),
    (DEPLOYMENT, 'strategic', '{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}',
     {('spec', 'strategy', 'type'): 'Recreate',
      ('spec', 'strategy', 'rollingUpdate'): GONE}),
    (DEPLOYMENT, 'strategic', '{"spec":{"strategy":{"$patch":"replace","type":"Recreate"}}}',
     {('spec', 'strategy', 'type'): 'Recreate',
      ('spec', 'strategy', 'rollingUpdate'): GONE}),
    (DEPLOYMENT, 'strategic', '{"spec":{"strategy":{"$patch":"delete"}}}',
     {('spec', 'strategy', 'type'): GONE,
      ('spec', 'strategy', 'rollingUpdate'): GONE}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"C","value":"3"}]'
     ',"$setElementOrder/env":[{"name":"C"},{"name":"B"},{"name":"A"}]}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'env': [{'name': 'C', 'value': '3'},
                                                            {'name': 'B', 'value': '2'},
                                                            {'name': 'A', 'value': '1'}],
                                                    'image': 'nginx',
                                                    'name': 'app',
                                                    'ports': [{'containerPort': 80}]},
                                                   {'image': 'busybox', 'name': 'side'}]}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"side"},{"name":"app"'
     '}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'image': 'busybox', 'name': 'side'},
                                                   {'env': [{'name': 'A', 'value': '1'},
                                                            {'name': 'B', 'value': '2'}],
                                                    'image': 'nginx',
                                                    'name': 'app',
                                                    'ports': [{'containerPort': 80}]}]}),
    (DEPLOYMENT, 'strategic',
     'spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n      '
     '  - name: A\n          $patch: delete',
     {('spec', 'template', 'spec', 'containers'): [{'env': [{'name': 'B', 'value': '2'}],
                                                    'image': 'nginx',
                                                    'name': 'app',
                                                    'ports': [{'containerPort': 80}]},
                                                   {'image': 'busybox', 'name': 'side'}]}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"foo":{"$patch":"delete"},"$deleteFromPrimitiveList/bar":["x"]}}',
     {}),
    (DEPLOYMENT, 'strategic', '{"metadata":{"labels":{"x":{"$patch":"delete"}}}}',
     {('metadata', 'labels'): {}}),
    (DEPLOYMENT, 'strategic', '{"spec":{"replicas":{"a":{"$patch":"delete"},"b":null}}}',
     {('spec', 'replicas'): {}}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":{"$patch":"delete"}}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'env': [{'name': 'A', 'value': '1'},
                                                            {'name': 'B', 'value': '2'}],
                                                    'name': 'app',
                                                    'ports': [{'containerPort': 80}]},
                                                   {'image': 'busybox', 'name': 'side'}]}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"new","image":"x","env":[{"name":"a","'
     '$patch":"delete"},{"name":"b","value":null}],"args":null}]}}}}',
     {('spec', 'template', 'spec', 'containers'): [{'args': None,
                                                    'env': [{'$patch': 'delete', 'name': 'a'},
                                                            {'name': 'b', 'value': None}],
                                                    'image': 'x',
                                                    'name': 'new'},
                                                   {'env': [{'name': 'A', 'value': '1'},
                                                            {'name': 'B', 'value': '2'}],
                                                    'image': 'nginx',
                                                    'name': 'app',
                                                    'ports': [{'containerPort': 80}]},
                                                   {'image': 'busybox', 'name': 'side'}]}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"volumes":[{"name":"v","$patch":"delete"},{"name":"w","empty'
     'Dir":{"medium":null}}]}}}}',
     {('spec', 'template', 'spec', 'volumes'): [{'emptyDir': {}, 'name': 'w'}]}),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"$setElementOrder/volumes":[{"name":"side"}],"volumes":[{"na'
     'me":"side","emptyDir":{},"x":null}]}}}}',
     {('spec', 'template', 'spec', 'volumes'): [{'emptyDir': {}, 'name': 'side', 'x': None}]}),
    (DEPLOYMENT, 'strategic', '{"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}}',
     {}),
    (POD_FULL, 'strategic',
     '{"spec":{"volumes":[{"name":"data","hostPath":{"path":"/x"},"$retainKeys":["name","hostPa'
     'th"]}]}}',
     {('spec', 'volumes'): [{'hostPath': {'path': '/x'}, 'name': 'data'}]}),
    (POD_FULL, 'strategic',
     '{"spec":{"containers":[{"name":"c","env":[{"name":"A","$patch":"delete"},{"name":"B","val'
     'ue":"2"}]}]}}',
     {('spec', 'containers'): [{'env': [{'name': 'B', 'value': '2'}],
                                'image': 'nginx',
                                'name': 'c',
                                'ports': [{'containerPort': 80, 'name': 'http'},
                                          {'containerPort': 443, 'name': 'https'}],
                                'volumeMounts': [{'mountPath': '/data', 'name': 'data'}]}]}),
    (NODE, 'strategic',
     '{"status":{"conditions":[{"type":"DiskPressure","status":"False"}],"$setElementOrder/cond'
     'itions":[{"type":"Ready"},{"type":"DiskPressure"},{"type":"MemoryPressure"}]}}',
     {('status', 'conditions'): [{'status': 'True', 'type': 'Ready'},
                                 {'status': 'False', 'type': 'DiskPressure'},
                                 {'status': 'False', 'type': 'MemoryPressure'}]}),
    (POD, 'strategic',
     '{"spec":{"containers":[{"name":"3","$deleteFromPrimitiveList/args":["b"]}]}}',
     {('spec', 'containers'): [{'name': '1'}, {'image': 'b', 'name': '2'},
                               {'args': ['a', 'c'], 'name': '3'}]}),
    # strategic: ported from apimachinery's strategicpatch tests (mergingList -> containers,
    # mergingIntList -> finalizers, simpleMap -> labels, retainKeys map -> Deployment strategy,
    # retainKeys merging list -> volumes)
    (POD, 'strategic', '{"metadata":{"finalizers":["2","4"]}}',
     {('metadata', 'finalizers'): ['1', '2', '4', '3']}),
    (POD, 'strategic', '{"metadata":{"labels":{"$patch":"delete"}}}',
     {('metadata', 'labels', 'key1'): GONE,
      ('metadata', 'labels', 'key2'): GONE}),
    (POD, 'strategic', '{"spec":{"containers":[{"$patch":"replace"}]}}',
     {('spec', 'containers'): []}),
    (POD, 'strategic', '{"metadata":{"labels":{"other":"a","$patch":"replace"}}}',
     {('metadata', 'labels', 'key1'): GONE,
      ('metadata', 'labels', 'key2'): GONE,
      ('metadata', 'labels', 'other'): 'a'}),
    (POD_DUPS, 'strategic',
     '{"spec":{"containers":[{"name":"1","$patch":"delete"},{"name":"3","$patch":"delete"}]}}',
     {('spec', 'containers'): [{'image': 'a', 'name': '2'}]}),
    (DEPLOYMENT, 'strategic', '{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":0}}}}',
     {('spec', 'strategy', 'rollingUpdate', 'maxUnavailable'):
          0}),
    (DEPLOYMENT, 'strategic', '{"spec":{"strategy":{"rollingUpdate":null}}}',
     {('spec', 'strategy', 'rollingUpdate'): GONE}),
    (DEPLOYMENT, 'strategic', '{"spec":{"strategy":{}}}',
     {}),
    (POD, 'strategic', '{"spec":{"volumes":[{"name":"bar","emptyDir":{}}]}}',
     {('spec', 'volumes'): [{'emptyDir': {}, 'name': 'bar'},
                            {'hostPath': {'path': '/a'}, 'name': 'foo'}]}),
    (POD, 'strategic', '{"spec":{"volumes":[{"name":"foo","hostPath":null}]}}',
     {('spec', 'volumes'): [{'name': 'bar'}, {'name': 'foo'}]}),
    (POD, 'strategic',
     '{"spec":{"containers":[{"name":"3","image":"c"},{"name":"1","image":"a"},{"name":"2","wor'
     'kingDir":"x"}]}}',
     {('spec', 'containers'): [{'args': ['a', 'b', 'c'], 'image': 'c', 'name': '3'},
                               {'image': 'a', 'name': '1'},
                               {'image': 'b', 'name': '2', 'workingDir': 'x'}]}),
    (POD, 'strategic',
     '{"spec":{"containers":[{"name":"3","image":"c"},{"name":"1","image":"a"}]}}',
     {('spec', 'containers'): [{'image': 'b', 'name': '2'},
                               {'args': ['a', 'b', 'c'], 'image': 'c', 'name': '3'},
                               {'image': 'a', 'name': '1'}]}),
    (POD, 'strategic', '{"metadata":{"finalizers":["3","1","2"]}}',
     {('metadata', 'finalizers'): ['3', '1', '2']}),
    (POD, 'strategic', '{"metadata":{"finalizers":["3","1"]}}',
     {('metadata', 'finalizers'): ['2', '3', '1']}),
    (POD, 'strategic',
     '{"spec":{"$setElementOrder/containers":[{"name":"3"},{"name":"4"},{"name":"1"}],"containe'
     'rs":[{"name":"3","image":"x"},{"name":"1","image":"y"}]}}',
     {('spec', 'containers'): [{'image': 'b', 'name': '2'},
                               {'args': ['a', 'b', 'c'], 'image': 'x', 'name': '3'},
                               {'image': 'y', 'name': '1'}]}),
    (POD, 'strategic', '{"metadata":{"$setElementOrder/finalizers":["3","4","1"]}}',
     {('metadata', 'finalizers'): ['2', '3', '1']}),
    (POD, 'strategic', '{"metadata":{"$deleteFromPrimitiveList/finalizers":["9"]}}',
     {}),
    (POD, 'strategic', '{"spec":{"$deleteFromPrimitiveList/nodeSelector":["9"]}}',
     {}),
    (POD, 'strategic',
     '{"spec":{"containers":[{"name":"hello"},{"$patch":"delete","name":"doesntexist"}]}}',
     {('spec', 'containers'): [{'name': 'hello'}, {'name': '1'}, {'image': 'b', 'name': '2'},
                               {'args': ['a', 'b', 'c'], 'name': '3'}]}),
    (POD_DUPS, 'strategic',
     '{"metadata":{"$setElementOrder/finalizers":["1","2"],"$deleteFromPrimitiveList/finalizers'
     '":["3"]}}',
     {('metadata', 'finalizers'): ['1', '2', '4']}),
    (POD_DUPS, 'strategic',
     '{"metadata":{"$setElementOrder/finalizers":["1","2","4"],"$deleteFromPrimitiveList/finali'
     'zers":["3"],"finalizers":["4"]}}',
     {('metadata', 'finalizers'): ['1', '2', '4']}),
    (POD, 'strategic',
     '{"spec":{"$setElementOrder/containers":[{"name":"4"},{"name":"1"},{"name":"2"},{"name":"3'
     '"}],"containers":[{"name":"4","image":"v4"},{"name":"3","image":"v3"}]}}',
     {('spec', 'containers'): [{'image': 'v4', 'name': '4'}, {'name': '1'},
                               {'image': 'b', 'name': '2'},
                               {'args': ['a', 'b', 'c'], 'image': 'v3', 'name': '3'}]}),
    (POD, 'strategic', '{"metadata":{"name":"q","labels":{"key1":null},"annotations":null}}',
     {('metadata', 'name'): 'q',
      ('metadata', 'labels', 'key1'): GONE}),
    # strategic: upstream edits the live list's array in place; what that does to the order
    (POD_SHORT, 'strategic', '{"metadata":{"finalizers":["5"]}}',
     {('metadata', 'finalizers'): ['1', '2', '3', '5', '4']}),
    (POD_SHORT, 'strategic', '{"metadata":{"finalizers":["5","6","7"]}}',
     {('metadata', 'finalizers'): ['5', '6', '1', '2', '3', '7', '4']}),
    (POD_SHORT, 'strategic', '{"metadata":{"finalizers":["5","6","7","8"]}}',
     {('metadata', 'finalizers'): ['5', '6', '7', '8', '1', '2', '3', '4']}),
    (POD_SHORT, 'strategic',
     '{"spec":{"$setElementOrder/containers":[{"name":"4"},{"name":"3"}],"containers":[{"name":'
     '"1","$patch":"delete"},{"name":"4"}]}}',
     {('spec', 'containers'): [{'name': '2'}, {'name': '4'}, {'name': '3'}]}),
    (POD_SHORT, 'strategic',
     '{"spec":{"$setElementOrder/containers":[{"name":"5"},{"name":"3"}],"containers":[{"name":'
     '"1","$patch":"delete"},{"name":"2","$patch":"delete"},{"name":"4"},{"name":"5"}]}}',
     'error: The order in patch list:\n[map[$patch:delete name:1] map[$patch:delete name:2] '
        "map[name:4] map[name:5]]\n doesn't match $setElementOrder list:\n[map[name:5] map[name"
        ':3]]'),
    # strategic: errors (kubectl --local prints the library's text)
    (WIDGET, 'strategic', '{"spec":{"a":[2]}}',
     'error: strategic merge patch is not supported for example.com/v1, Kind=Widget locally,'
        ' try --type merge'),
    (FOO, 'strategic', '{"a":1}',
     'error: strategic merge patch is not supported for /v1, Kind=Foo locally, try --type me'
        'rge'),
    (DEPLOYMENT, 'strategic', '{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}',
     'error: map: map[image:x] does not contain declared merge key: name'),
    (DEPLOYMENT, 'strategic', '{"spec":{"strategy":{"$patch":"frob"}}}',
     'error: unknown patch type: frob in map: map[$patch:frob]'),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"app","$patch":"merge"}]}}}}',
     'error: merging lists cannot yet be specified in the patch'),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"app","$patch":"x"}]}}}}',
     'error: unknown patch type: x in map: map[$patch:x name:app]'),
    (DEPLOYMENT, 'strategic', '{"spec":{"template":{"spec":{"containers":[1]}}}}',
     'error: list element types are not identical: [[map[env:[map[name:A value:1] map[name:B'
        ' value:2]] image:nginx name:app ports:[map[containerPort:80]]] map[image:busybox name:'
        'side]] [1]]'),
    (DEPLOYMENT, 'strategic', '{"metadata":{"finalizers":["a","x",null]}}',
     'error: list element types are not identical: [[a b] [a x <nil>]]'),
    (DEPLOYMENT, 'strategic', '{"metadata":{"finalizers":[["x"]]}}',
     'error: list element types are not identical: [[a b] [[x]]]'),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":2}}}}',
     'error: invalid patch format of retainKeys'),
    (DEPLOYMENT, 'strategic', '{"spec":{"strategy":{"$retainKeys":"type"}}}',
     'error: invalid patch format of retainKeys'),
    (DEPLOYMENT, 'strategic', '{"metadata":{"$setElementOrder/finalizers":"a"}}',
     'error: expected a []interface {}, but received a string'),
    (DEPLOYMENT, 'strategic',
     '{"metadata":{"$setElementOrder/finalizers":["c"],"finalizers":["c","a"]}}',
     "error: The order in patch list:\n[c a]\n doesn't match $setElementOrder list:\n[c]"),
    (DEPLOYMENT, 'strategic',
     '{"spec":{"template":{"spec":{"containers":[{"name":"app","ports":[{"containerPort":80,"na'
     'me":"http"},{"containerPort":81}],"$setElementOrder/ports":[{"containerPort":81},{"contai'
     'nerPort":80}]}]}}}}',
     'error: The order in patch list:\n[map[containerPort:80 name:http] map[containerPort:81'
        "]]\n doesn't match $setElementOrder list:\n[map[containerPort:81] map[containerPort:80"
        ']]'),
    (DEPLOYMENT, 'strategic', '{"metadata":{"$deleteFromPrimitiveListfinalizers":["a"]}}',
     'error: invalid patch format of primitive list'),
    (DEPLOYMENT, 'strategic', '{"metadata":{"$setElementOrderfinalizers":["a"]}}',
     'error: invalid patch format of setElementOrder list'),
    (DEPLOYMENT, 'strategic', '{"metadata":{"labels":{"a":"b"}}, "$setElementOrder/x":["a"]}',
     'error: unable to find api field in struct Deployment for the json field "x"'),
    (DEPLOYMENT, 'strategic', '{"metadata":{"$setElementOrder/labels":["a"], "labels":{"a":"b"}}}',
     'error: expected a []interface {}, but received a map[string]interface {}'),
    (SERVICE_UNKNOWN, 'strategic', '{"spec":{"foo":{"b":2}}}',
     'error: unable to find api field in struct ServiceSpec for the json field "foo"'),
    (SERVICE_UNKNOWN, 'strategic', '{"metadata":{"$setElementOrder/labels":["a"]}}',
     'error: expected slice or array type, but got: struct'),
    (POD, 'strategic', '{"spec":{"$deleteFromPrimitiveList/tolerations":[{"key":"1"}]}}',
     'error: cannot merge lists without merge key for struct'),
    (SERVICE, 'strategic', '{"spec":{"$setElementOrder/ports":[1]}}',
     'error: value for key 0 is not a map'),
    (SERVICE, 'strategic', '{',
     'error: invalid JSON document'),
    (SERVICE, 'strategic', '[1]',
     'error: invalid JSON document'),
    (SERVICE, 'strategic', 'null',
     {}),
    # how kubectl reads -p: JSON when it starts with {, YAML (go-yaml v2) otherwise; --type
    (CONFIGMAP, 'merge',
     'data:\n  1: a\n  true: b\n  y: yes\n  f: 1.0\n  g: 1.5\n  n: ~\n  t: 2001-12-14\n  o: 0o1'
     '7\n  h: 0x1F\n  e: 1e3',
     {('data', '1'): 'a',
      ('data', 'e'): 1000,
      ('data', 'f'): 1,
      ('data', 'g'): 1.5,
      ('data', 'h'): 31,
      ('data', 'o'): 15,
      ('data', 't'): '2001-12-14',
      ('data', 'true'): True}),
    (CONFIGMAP, 'merge',
     'data:\n  s: 1:30\n  o: 017\n  n: 09\n  u: 1_000\n  b: 0b101\n  f: .5\n  e: 2E-3\n  k: off'
     '\n  q: "yes"',
     {('data', 'b'): 5,
      ('data', 'e'): 0.002,
      ('data', 'f'): 0.5,
      ('data', 'false'): 9,
      ('data', 'k'): False,
      ('data', 'o'): 15,
      ('data', 'q'): 'yes',
      ('data', 's'): '1:30',
      ('data', 'u'): 1000}),
    (CONFIGMAP, 'merge', 'data:\n  x: 1\n  x: 2',
     {('data', 'x'): 2}),
    (CONFIGMAP, 'merge', 'data:\n  a: &x [1]\n  b: *x',
     {('data', 'a'): [1],
      ('data', 'b'): [1]}),
    (CONFIGMAP, 'merge', 'data: {a: !foo 5, b: !!str 6}',
     {('data', 'a'): '5',
      ('data', 'b'): '6'}),
    (CONFIGMAP, 'merge', 'a: 1\n---\nb: 2',
     {('a',): 1}),
    (CONFIGMAP, 'merge', '   {"data":{"a":"b"}}',
     {('data', 'a'): 'b'}),
    (CONFIGMAP, 'merge', '# only a comment',
     'error: Invalid JSON Patch'),
    (SERVICE, 'strategic', 'a: [',
     'error: unable to parse "a: [": yaml: line 1: did not find expected node content'),
    (SERVICE, 'strategic', 'a: b: c',
     'error: unable to parse "a: b: c": yaml: mapping values are not allowed in this context'),
    (SERVICE, 'strategic', '- a\nb: 1',
     'error: unable to parse "- a\\nb: 1": yaml: line 1: did not find expected \'-\' indicator'),
    (SERVICE, 'strategic', 'a:\n  - b\n c: 1',
     'error: unable to parse "a:\\n  - b\\n c: 1": yaml: line 2: did not find expected key'),
    (SERVICE, 'strategic', '\n\n[1',
     'error: unable to parse "\\n\\n[1": yaml: line 3: did not find expected \',\' or \']\''),
    (SERVICE, 'strategic', 'a: "x',
     'error: unable to parse "a: \\"x": yaml: found unexpected end of stream'),
    (SERVICE, 'strategic', '\tx: 1',
     'error: unable to parse "\\tx: 1": yaml: found character that cannot start any token'),
    (SERVICE, 'strategic', 'a: *x',
     'error: unable to parse "a: *x": yaml: unknown anchor \'x\' referenced'),
    (SERVICE, 'strategic', 'a: \'x\n\t"q"\x01\'',
     'error: unable to parse "a: \'x\\n\\t\\"q\\"\\x01\'": yaml: control characters are not '
        'allowed'),
    (CONFIGMAP, 'merge', 'a: .inf',
     'error: unable to parse "a: .inf": json: unsupported value: +Inf'),
    (SERVICE, 'JSON', '[{"op":"add","path":"/metadata/labels/x","value":"y"}]',
     {('metadata', 'labels', 'x'): 'y'}),
    (SERVICE, 'x', '{}',
     'error: --type must be one of [json merge strategic], not "x"'),
    (CONFIGMAP, 'strategic', '',
     'error: must specify --patch or --patch-file containing the contents of the patch'),
]


def _touched(doc: dict, prefix: str = "") -> list[str]:
    """The paths a merge patch sets (down to the first list or scalar)."""
    out: list[str] = []
    for key, value in doc.items():
        if isinstance(value, dict) and value:
            out += _touched(value, f"{prefix}{key}.")
        else:
            out.append(f"{prefix}{key}")
    return out or [prefix.rstrip(".") or "{}"]


def patch_ids(rows) -> list[str]:
    """`KIND-TYPE-what the patch does`: a JSON patch's ops and paths, a merge patch's keys."""
    out, seen = [], {}
    for fixture, patch_type, text, _ in rows:
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, list) and all(isinstance(op, dict) for op in doc):
            what = "+".join(f"{op.get('op')}:{op.get('path', '')}" for op in doc) or "[]"
        elif isinstance(doc, dict):
            what = "+".join(_touched(doc))
        else:
            what = "text:" + text[:16].replace("[", "(").replace("]", ")")
        name = f"{fixture.get('kind')}-{patch_type}-{what}"
        name = name if len(name) <= 56 else name[:53] + "..."
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


@pytest.mark.parametrize(("fixture", "patch_type", "text", "expected"), CASES,
                         ids=patch_ids(CASES))
def test_like_kubectl_patch_local(fixture, patch_type, text, expected):
    before = copy.deepcopy(fixture)
    if isinstance(expected, str):
        with pytest.raises(KubesvcError) as err:
            apply_patch(fixture, text, patch_type, local=True)
        assert str(err.value) == expected
    else:
        got = apply_patch(fixture, text, patch_type, local=True)
        assert got == expected_object(fixture, expected)
    assert fixture == before  # the live object is never modified


# What kubectl prints when the API server refuses the patch (see the module docstring)
REJECTED = "The request is invalid: the server rejected our request due to an error in our request"
BAD_REQUEST = "Error from server (BadRequest): "
SERVER_ERRORS = [
    (SERVICE, "json", '[{"op":"test","path":"/spec/selector/app","value":"x"}]', REJECTED),
    (SERVICE, "json", '[{"op":"remove","path":"/spec/nope"}]', REJECTED),
    (SERVICE, "json", '[{"op":"replace","path":"/spec/ports/5","value":1}]', REJECTED),
    (SERVICE, "json", '[{"op":"frob","path":"/a"}]', REJECTED),
    (SERVICE, "json", "{}", BAD_REQUEST + "error decoding patch: json: cannot unmarshal object"
     " into Go value of type []handlers.jsonPatchOp"),
    (SERVICE, "json", "[1]", BAD_REQUEST + "error decoding patch: json: cannot unmarshal number"
     " into Go value of type handlers.jsonPatchOp"),
    (SERVICE, "json", '[{"op":1,"path":"/a"}]', BAD_REQUEST + "error decoding patch: json: "
     "cannot unmarshal number into Go struct field jsonPatchOp.op of type string"),
    (SERVICE, "json", "{", BAD_REQUEST + "error decoding patch: unexpected end of JSON input"),
    (SERVICE, "json", '[{"op":"replace","path":"","value":[1]}]', "The request is invalid: "
     'patch: Invalid value: "[1]": couldn\'t get version/kind; json parse error: json: cannot '
     'unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,'
     'omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'),
    (SERVICE, "merge", "null", BAD_REQUEST + "Invalid JSON Patch"),
    (SERVICE, "merge", "[1]", BAD_REQUEST + "error decoding patch: json: cannot unmarshal array"
     " into Go value of type map[string]interface {}"),
    (SERVICE, "merge", '{"a" 1}', BAD_REQUEST + "error decoding patch: invalid character '1' "
     "after object key"),
    (SERVICE, "strategic", "{", BAD_REQUEST + "unexpected end of JSON input"),
    (SERVICE, "strategic", "x", BAD_REQUEST + "json: cannot unmarshal string into Go value of "
     "type map[string]interface {}"),
    (WIDGET, "strategic", '{"spec":{"a":[2]}}', "Error from server (UnsupportedMediaType): the "
     "body of the request was in an unknown format - accepted media types include: "
     "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
    (DEPLOYMENT, "strategic", '{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}',
     "Error from server: map: map[image:x] does not contain declared merge key: name"),
    (DEPLOYMENT, "strategic", '{"spec":{"strategy":{"$retainKeys":"type"}}}',
     BAD_REQUEST + "invalid patch format of retainKeys"),
    (DEPLOYMENT, "strategic", '{"metadata":{"$setElementOrderfinalizers":["a"]}}',
     BAD_REQUEST + "invalid patch format of setElementOrder list"),
    (DEPLOYMENT, "strategic", '{"metadata":{"finalizers":[["x"]]}}',
     "Error from server: list element types are not identical: [[a b] [[x]]]"),
    ({**CONFIGMAP, "metadata": {"name": "c", "finalizers": []}}, "strategic",
     '{"metadata":{"finalizers":[["b"]]}}', REJECTED),  # --local: lists of lists are not...
]


@pytest.mark.parametrize(("fixture", "patch_type", "text", "expected"), SERVER_ERRORS,
                         ids=patch_ids(SERVER_ERRORS))
def test_errors_from_the_api_server(fixture, patch_type, text, expected):
    with pytest.raises(StatusError) as err:
        apply_patch(fixture, text, patch_type)
    assert str(err.value) == expected


# the cases kubectl --local applies (not its errors, nor a patch that removes the kind)
SERVER_SIDE = [c for c in CASES
               if isinstance(c[3], dict) and c[3].get(("kind",), None) is not GONE]


@pytest.mark.parametrize(("fixture", "patch_type", "text", "expected"), SERVER_SIDE,
                         ids=patch_ids(SERVER_SIDE))
def test_server_side_patches_apply_like_local_ones(fixture, patch_type, text, expected):
    assert apply_patch(fixture, text, patch_type) == expected_object(fixture, expected)


def test_kubectl_checks_before_the_server_does():
    with pytest.raises(ClientError) as err:
        apply_patch(SERVICE, "{}", "x")
    assert str(err.value) == 'error: --type must be one of [json merge strategic], not "x"'
    with pytest.raises(ClientError) as err:
        apply_patch(SERVICE, "a: [", "merge")
    assert str(err.value) == ('error: unable to parse "a: [": yaml: line 1: '
                              "did not find expected node content")
    big = "[" + ",".join(['{"op":"test","path":"/kind","value":"Service"}'] * 10001) + "]"
    with pytest.raises(StatusError) as err:
        apply_patch(SERVICE, big, "json")
    assert str(err.value) == ("Error from server (RequestEntityTooLarge): Request entity too "
                              "large: The allowed maximum operations in a JSON patch is 10000, "
                              "got 10001")


def test_the_pure_functions():
    assert merge_patch(SERVICE, {"spec": {"selector": None}})["spec"] == {
        "ports": SERVICE["spec"]["ports"]}
    assert json_patch(SERVICE, [{"op": "remove", "path": "/spec/ports/0"}])["spec"]["ports"] == [
        {"name": "https", "port": 443}]
    got = strategic_merge_patch(SERVICE, {"spec": {"ports": [{"port": 443, "name": "tls"}]}},
                                "Service")
    assert got["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8080},
                                    {"name": "tls", "port": 443}]
    with pytest.raises(PatchError) as err:
        json_patch(SERVICE, [{"op": "test", "path": "/kind", "value": "Pod"}])
    assert str(err.value) == "error: testing value /kind failed: test failed"
    assert str(err.value.server_error()) == REJECTED
    assert parse_patch('{"a": 1.0}') == {"a": 1.0} and parse_patch("a: 1.0") == {"a": 1}


# The patchStrategy / patchMergeKey struct tags of k8s.io/api, as the 1.37 definitions carry them
META = [
    ("Service", "v1", "spec.ports", ("merge", "port")),
    ("Service", "v1", "spec.ipFamilies", ("", "")),
    ("Service", "v1", "status.conditions", ("merge", "type")),
    ("Pod", "v1", "spec.containers", ("merge", "name")),
    ("Pod", "v1", "spec.initContainers", ("merge", "name")),
    ("Pod", "v1", "spec.containers.ports", ("merge", "containerPort")),
    ("Pod", "v1", "spec.containers.env", ("merge", "name")),
    ("Pod", "v1", "spec.containers.volumeMounts", ("merge", "mountPath")),
    ("Pod", "v1", "spec.volumes", ("merge,retainKeys", "name")),
    ("Pod", "v1", "spec.imagePullSecrets", ("merge", "name")),
    ("Pod", "v1", "spec.hostAliases", ("merge", "ip")),
    ("Pod", "v1", "spec.tolerations", ("", "")),
    ("Pod", "v1", "status.conditions", ("merge", "type")),
    ("Pod", "v1", "status.podIPs", ("merge", "ip")),
    ("Pod", "v1", "metadata.finalizers", ("merge", "")),
    ("Pod", "v1", "metadata.ownerReferences", ("merge", "uid")),
    ("Node", "v1", "spec.taints", ("", "")),
    ("Node", "v1", "status.addresses", ("merge", "type")),
    ("Node", "v1", "status.conditions", ("merge", "type")),
    ("Namespace", "v1", "spec.finalizers", ("", "")),
    ("Endpoints", "v1", "subsets", ("", "")),
    ("EndpointSlice", "discovery.k8s.io/v1", "endpoints", ("", "")),
    ("EndpointSlice", "discovery.k8s.io/v1", "ports", ("", "")),
    ("Deployment", "apps/v1", "spec.strategy", ("retainKeys", "")),
    ("Deployment", "apps/v1", "spec.template.spec.containers", ("merge", "name")),
    ("StatefulSet", "apps/v1", "spec.template.spec.volumes", ("merge,retainKeys", "name")),
    ("DaemonSet", "apps/v1", "spec.updateStrategy", ("", "")),
    ("ReplicaSet", "apps/v1", "status.conditions", ("merge", "type")),
    ("ReplicationController", "v1", "spec.template.spec.containers", ("merge", "name")),
    ("PodDisruptionBudget", "policy/v1", "spec.selector", ("replace", "")),
]


@pytest.mark.parametrize(("kind", "api_version", "path", "expected"), META,
                         ids=[f"{kind}-{path}" for kind, _, path, _ in META])
def test_patch_metadata(kind, api_version, path, expected):
    assert patch_meta(kind, api_version, path) == expected
