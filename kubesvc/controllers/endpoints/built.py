"""A new object a controller wrote as JSON text itself (writer.py `queue_built`): here, apart
from the writer, so that the endpoint helper (helper.py), which builds such texts and never
writes, starts without importing the API server's write path."""

from __future__ import annotations


class Built:
    """A new object a controller wrote as JSON text itself (`queue_built`): `head` is its text
    up to its last metadata field, `tail` the rest, from the metadata's closing brace; the
    system fields a create sets (creationTimestamp, resourceVersion, uid) go between them at
    the flush. `labels`: its labels (strings)."""

    __slots__ = ("head", "labels", "name", "namespace", "tail")

    def __init__(self, namespace: str, name: str, head: str, tail: str, labels: dict):
        self.namespace, self.name, self.head, self.tail = namespace, name, head, tail
        self.labels = labels
