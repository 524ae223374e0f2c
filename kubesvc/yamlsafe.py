"""A YAML loader that builds plain data only and refuses what a Kubernetes decoder refuses.

- libyaml's C parser when present (7-9x faster), the pure-Python one otherwise;
- no tag ever constructs a Python object (safe constructors only);
- duplicate keys in a mapping are an error, as in kubectl (sigs.k8s.io/yaml is strict);
- aliases are limited, so a "billion laughs" document cannot blow up memory downstream.
"""

from __future__ import annotations

import yaml
from yaml import YAMLError
from yaml.constructor import ConstructorError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_ALIASES = 10_000


class StrictLoader(_Base):  # type: ignore[misc, valid-type]
    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):  # counts aliases as the composer meets them
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                event = self.peek_event()
                raise ConstructorError(None, None, f"more than {MAX_ALIASES} YAML aliases: "
                                       "refusing a document that expands without bound",
                                       event.start_mark)
        return super().compose_node(parent, index)

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


def load_all(text: str):
    return yaml.load_all(text, Loader=StrictLoader)


__all__ = ["load_all", "YAMLError"]
