"""Row functions for networking and cluster kinds (kubernetes `pkg/printers/internalversion`).

Every row function returns all cells, wide ones included; the server builds tables with
`Wide: true`, so no cell is ever shortened (see the spec, section 1).
"""

from __future__ import annotations

from datetime import date, datetime
from operator import itemgetter

from kubesvc.api import table_cells as cells
from kubesvc.api.objects import meta, spec
from kubesvc.printers.duration import human_duration, translate_timestamp_since

Obj = dict
Columns = list[tuple[str, int]]


def status(obj: Obj) -> dict:
    return obj.get("status") or {}


def age(obj: Obj, now: datetime) -> str:
    return translate_timestamp_since(meta(obj).get("creationTimestamp"), now)


_EPOCH = date(1970, 1, 1)
_TWO_DAYS = 48 * 3600
_SIXTY = frozenset(f"{i:02d}" for i in range(60))  # minutes and seconds, ASCII digits only
# The API server's plain timestamps (`2006-01-02T15:04:05Z`, ASCII digits, MM and SS below 60)
# as bytes with every digit made `d`, joined by _SEP, are _PLAIN_UNIT repeated: checked by
# one bytes.translate (no regex: compiling one costs a `get` ~0.1 ms)
_SEP = "\x1f"
_PLAIN_UNIT = b"dddd-dd-ddTdd:dd:ddZ\x1f"
_DIGITS_AS_D = bytes(ord("d") if i in b"0123456789" else i if i in b"-T:Z\x1f" else ord("?")
                     for i in range(256))
_HOUR_OF = itemgetter(slice(None, 13))  # `2006-01-02T15`
_HOUR_NUMBERS = {f"{h:02d}": h for h in range(24)}
_TAIL_OF = itemgetter(slice(13, None))  # `:04:05Z`


def _all_plain(stamps: list[str]) -> bool:
    """Every timestamp of the plain form (and at least one)."""
    step = 4096  # ~86 KB at once: a buffer below malloc's mmap threshold, its pages reused
    return bool(stamps) and all(_all_plain_at_once(stamps[i:i + step])
                                for i in range(0, len(stamps), step))


def _all_plain_at_once(stamps: list[str]) -> bool:
    joined = _SEP.join(stamps)
    if len(joined) != 21 * len(stamps) - 1 or not joined.isascii():
        return False
    raw = joined.encode()
    return (raw.translate(_DIGITS_AS_D) == (_PLAIN_UNIT * len(stamps))[:-1]
            and not raw[14::21].translate(None, b"012345")  # MM's first digit
            and not raw[17::21].translate(None, b"012345"))  # SS's


def _plain(ts: str) -> bool:
    """_all_plain([ts])."""
    return (len(ts) == 20 and ts.isascii() and ts[14] in "012345" and ts[17] in "012345"
            and ts.encode().translate(_DIGITS_AS_D) == _PLAIN_UNIT[:-1])


class _HourCells(dict):
    """hour (`2006-01-02T15`, of a plain timestamp) -> its AGE cell at `epoch` (a whole
    second), found when first asked for: the cell when the whole hour gives one (two days
    old and more: human_duration then counts whole hours), else None, the hour's two
    halves then in `halves` ((hour, after now's MM:SS) -> cell) where they are two days
    old; an hour younger than that, or whose date or hour is not valid, is None and in
    neither (Ages.__call__ answers for its timestamps)."""

    def __init__(self, epoch: int):
        super().__init__()
        base = epoch - epoch % 3600  # now's hour
        self._days, self._into_day = base // 86400, base % 86400 // 3600
        self.halves: dict[tuple, str] = {}
        # a date -> whole hours from its midnight to now's hour (None: not a date)
        self._ago: dict[str, int | None] = {}

    def __missing__(self, hour: str) -> str | None:
        k = self._ago.get(hour[:10], -1)
        if k == -1:
            try:
                k = (self._days - (date.fromisoformat(hour[:10]) - _EPOCH).days) * 24 \
                    + self._into_day
            except ValueError:
                k = None
            self._ago[hour[:10]] = k
        h = _HOUR_NUMBERS.get(hour[11:])
        cell = None
        if k is not None and h is not None:
            # whole hours of age: k - h for a timestamp at or before now's MM:SS in its
            # hour, one less after it
            early, late = _whole_hours(k - h), _whole_hours(k - h - 1)
            if early is not None and early == late:
                cell = early
            elif early is not None:
                self.halves[(hour, False)] = early
                if late is not None:
                    self.halves[(hour, True)] = late
        self[hour] = cell
        return cell


def _whole_hours(hours: int) -> str | None:
    """human_duration of `hours` whole hours (and any seconds less than one more hour) when
    that is two days or more; None for less."""
    if hours < 48:
        return None
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    return human_duration(hours * 3600)


class Ages:
    """AGE cells at one `now`, as `translate_timestamp_since` prints them, quicker for a
    large list: timestamps of the API server's own form (`2006-01-02T15:04:05Z`) are read as
    whole seconds, and ages of two days and more (which print in whole hours, days or years)
    are remembered per hour of the timestamp (split at now's minute and second, so every
    timestamp sharing the key is the same number of whole hours old); anything else takes
    translate_timestamp_since itself.

    A remembered age is found without matching the timestamp's form again: its first 13
    characters (`2006-01-02T15`) are a key only once a timestamp with them matched, and its
    last 7 (`:04:05Z`) are looked up among the endings known to be of the plain form (each
    gives the half of the hour it falls in; `_learn` adds one); both found means the whole
    matches."""

    __slots__ = ("_days", "_epoch", "_hours", "_mmss", "_tails", "now")

    def __init__(self, now: datetime):
        self.now = now
        whole = now.utcoffset() is not None and now.microsecond == 0
        self._epoch = int(now.timestamp()) if whole else None
        into = (self._epoch or 0) % 3600  # now's place in its UTC hour, as MM:SS
        self._mmss = f"{into // 60:02d}:{into % 60:02d}"
        self._days: dict[str, int | None] = {}
        self._hours: dict[str, str] = {}
        self._tails: dict[str, str] = {}  # ":MM:SSZ" of a plain timestamp -> "+" or "-"

    def remembered(self) -> tuple[dict[str, str], dict[str, str]]:
        """(ending -> half, start + half -> cell): the lookups `__call__` begins with, for a
        caller's loop to make in place (a cell found there is the one `__call__` returns;
        None: call it)."""
        return self._tails, self._hours

    def column(self, stamps: list[str]) -> list[str]:
        """[self(ts) for ts in stamps], the remembered lookups made in place (a table's whole
        AGE column)."""
        tails, hours = self._tails, self._hours
        out: list[str] = []
        add = out.append
        learn = self._learn
        for ts in stamps:
            half = tails.get(ts[13:])
            if half is None:
                half = learn(ts[13:])
            cell = hours.get(ts[:13] + half) if half is not None else None
            add(cell if cell is not None else self(ts))
        return out

    def cells(self, stamps: list[str]) -> list[str]:
        """self.column(stamps), a table's whole AGE column at once in C loops (map over
        slices and dict lookups) when every timestamp is of the API server's plain form
        (checked at once by _all_plain): a cell is found by the timestamp's hour
        (`2006-01-02T15`) where the whole hour gives one cell (two days old and more, see
        __call__), by the hour and the half of it (after now's MM:SS or not) where the
        cell changes within it, and anything else (younger, a date Python refuses) by
        __call__ itself."""
        if self._epoch is None or not _all_plain(stamps):
            return self.column(stamps)
        by_hour = _HourCells(self._epoch)
        out: list = list(map(by_hour.__getitem__, map(_HOUR_OF, stamps)))  # None: not yet
        missing = out.count(None)
        halves = by_hour.halves
        mark = f":{self._mmss}Z"  # a plain ending is greater exactly when its MM:SS is later
        if halves and missing > len(out) >> 3:  # many in split hours: every one by its half
            every = {(hour, later): cell for hour, cell in by_hour.items() if cell is not None
                     for later in (False, True)}
            every.update(halves)
            half = map(mark.__lt__, map(_TAIL_OF, stamps))
            out = list(map(every.get, zip(map(_HOUR_OF, stamps), half, strict=True)))
            missing = out.count(None)
        i = -1
        while missing:
            i = out.index(None, i + 1)
            ts = stamps[i]
            cell = halves.get((ts[:13], mark < ts[13:])) if halves else None
            out[i] = cell if cell is not None else self(ts)
            missing -= 1
        return out

    def _learn(self, tail: str) -> str | None:
        """The half of the hour for an ending not seen yet: one of the plain form (`:MM:SSZ`,
        minutes and seconds 00-59, what `_plain` asks of the last 7
        characters) is remembered at once, so a timestamp whose start is already remembered
        takes no regex match (ten thousand Services created over weeks end in thousands of
        ways but start in a few hundred)."""
        if (self._epoch is None or len(tail) != 7 or tail[0] != ":" or tail[3] != ":"
                or tail[6] != "Z" or tail[1:3] not in _SIXTY or tail[4:6] not in _SIXTY):
            return None
        half = self._tails[tail] = "+" if tail[1:6] > self._mmss else "-"
        return half

    def __call__(self, ts: str) -> str:
        half = self._tails.get(ts[13:])
        if half is None:
            half = self._learn(ts[13:])
        if half is not None:
            cell = self._hours.get(ts[:13] + half)
            if cell is not None:
                return cell
        if self._epoch is None or not _plain(ts):
            return translate_timestamp_since(ts, self.now)
        half = "+" if ts[14:19] > self._mmss else "-"
        self._tails[ts[13:]] = half
        key = ts[:13] + half
        cell = self._hours.get(key)
        if cell is not None:
            return cell
        day = self._days.get(ts[:10], -1)
        if day == -1:
            try:
                day = (date.fromisoformat(ts[:10]) - _EPOCH).days * 86400
            except ValueError:
                day = None
            self._days[ts[:10]] = day
        hour = int(ts[11:13])
        if day is None or hour > 23:
            return translate_timestamp_since(ts, self.now)
        seconds = self._epoch - (day + hour * 3600 + int(ts[14:16]) * 60 + int(ts[17:19]))
        cell = human_duration(seconds)
        if seconds >= _TWO_DAYS:
            self._hours[key] = cell
        return cell


def num(value) -> str:
    """An int32/int64 cell; a missing value is Go's zero."""
    return str(int(value or 0))


def join_host_port(host: str, port) -> str:
    """net.JoinHostPort: brackets around hosts that contain a colon (IPv6)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def list_with_more(items: list[str], more: bool, count: int, limit: int = 3) -> str:
    """listWithMoreString: `a,b,c + N more...`, or `<unset>` for nothing."""
    ret = ",".join(items)
    if more:
        return f"{ret} + {count - limit} more..."
    return ret or "<unset>"


# --- Service -------------------------------------------------------------------------------

SERVICE_COLUMNS: Columns = [
    ("NAME", 0), ("TYPE", 0), ("CLUSTER-IP", 0), ("EXTERNAL-IP", 0), ("PORT(S)", 0), ("AGE", 0),
    ("SELECTOR", 1),
]


def service_row(svc: Obj, now: datetime) -> list[str]:
    return finish_service(meta(svc).get("name", ""), cells.service_cells(svc), Ages(now))


def finish_service(name: str, c: list[str], ages: Ages) -> list[str]:
    """The row from a Service's summary cells (table_cells.service_cells)."""
    return [name, c[0], c[1], c[2], c[3], ages(c[4]), c[5]]


# --- Endpoints / EndpointSlice -------------------------------------------------------------

ENDPOINTS_COLUMNS: Columns = [("NAME", 0), ("ENDPOINTS", 0), ("AGE", 0)]
ENDPOINTSLICE_COLUMNS: Columns = [
    ("NAME", 0), ("ADDRESSTYPE", 0), ("PORTS", 0), ("ENDPOINTS", 0), ("AGE", 0),
]


def format_endpoints(ep: Obj, limit: int = 3) -> str:
    """formatEndpoints: ready addresses only, `ip:port` per port, 3 shown then `+ N more...`."""
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    items: list[str] = []
    more, count = False, 0
    for ss in subsets:
        addrs = [a.get("ip", "") for a in ss.get("addresses") or []]
        ports = ss.get("ports") or []
        groups = [(None, addrs)] if not ports else [(p.get("port", 0), addrs) for p in ports]
        for port, group in groups:
            count += len(group)
            for ip in group:
                if len(items) == limit:
                    more = True
                    break
                items.append(ip if port is None else join_host_port(ip, port))
    ret = ",".join(items)
    return f"{ret} + {count - limit} more..." if more else ret


def format_discovery_ports(ports: list[dict], limit: int = 3) -> str:
    items: list[str] = []
    more, count = False, 0
    for p in ports:
        if len(items) < limit:
            if p.get("port") is not None:
                items.append(str(p["port"]))
            elif p.get("name") is not None:
                items.append(p["name"])
            else:
                items.append("*")
        elif len(items) == limit:
            more = True
        count += 1
    return list_with_more(items, more, count, limit)


def format_discovery_endpoints(endpoints: list[dict], limit: int = 3) -> str:
    items: list[str] = []
    more, count = False, 0
    for ep in endpoints:
        for addr in ep.get("addresses") or []:
            if len(items) < limit:
                items.append(addr)
            elif len(items) == limit:
                more = True
            count += 1
    return list_with_more(items, more, count, limit)


def endpoints_row(ep: Obj, now: datetime) -> list[str]:
    return [meta(ep).get("name", ""), format_endpoints(ep), age(ep, now)]


def endpointslice_row(eps: Obj, now: datetime) -> list[str]:
    return [
        meta(eps).get("name", ""), eps.get("addressType") or "",
        format_discovery_ports(eps.get("ports") or []),
        format_discovery_endpoints(eps.get("endpoints") or []), age(eps, now),
    ]


# --- Node / Namespace ----------------------------------------------------------------------

NODE_COLUMNS: Columns = [
    ("NAME", 0), ("STATUS", 0), ("ROLES", 0), ("AGE", 0), ("VERSION", 0), ("INTERNAL-IP", 1),
    ("EXTERNAL-IP", 1), ("OS-IMAGE", 1), ("KERNEL-VERSION", 1), ("CONTAINER-RUNTIME", 1),
]
NAMESPACE_COLUMNS: Columns = [("NAME", 0), ("STATUS", 0), ("AGE", 0)]

ROLE_PREFIX, ROLE_LABEL = "node-role.kubernetes.io/", "kubernetes.io/role"


def node_roles(node: Obj) -> list[str]:
    """findNodeRoles: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values."""
    roles = set()
    for key, value in (meta(node).get("labels") or {}).items():
        if key.startswith(ROLE_PREFIX) and len(key) > len(ROLE_PREFIX):
            roles.add(key[len(ROLE_PREFIX):])
        elif key == ROLE_LABEL and value:
            roles.add(value)
    return sorted(roles)


def node_status(node: Obj) -> str:
    ready = None
    for cond in status(node).get("conditions") or []:
        if cond.get("type") == "Ready":
            ready = cond  # the last one wins, like the Go map
    if ready is None:
        parts = ["Unknown"]
    else:
        parts = ["Ready" if ready.get("status") == "True" else "NotReady"]
    if spec(node).get("unschedulable"):
        parts.append("SchedulingDisabled")
    return ",".join(parts)


def node_address(node: Obj, kind: str) -> str:
    for addr in status(node).get("addresses") or []:
        if addr.get("type") == kind:
            return addr.get("address", "")
    return "<none>"


def node_row(node: Obj, now: datetime) -> list[str]:
    info = status(node).get("nodeInfo") or {}
    return [
        meta(node).get("name", ""), node_status(node), ",".join(node_roles(node)) or "<none>",
        age(node, now), info.get("kubeletVersion") or "",
        node_address(node, "InternalIP"), node_address(node, "ExternalIP"),
        info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def namespace_row(ns: Obj, now: datetime) -> list[str]:
    return [meta(ns).get("name", ""), status(ns).get("phase") or "", age(ns, now)]


# --- Small extra kinds that often sit next to Services -----------------------------------------

CONFIGMAP_COLUMNS: Columns = [("NAME", 0), ("DATA", 0), ("AGE", 0)]
SECRET_COLUMNS: Columns = [("NAME", 0), ("TYPE", 0), ("DATA", 0), ("AGE", 0)]
SERVICEACCOUNT_COLUMNS: Columns = [("NAME", 0), ("SECRETS", 0), ("AGE", 0)]
INGRESS_COLUMNS: Columns = [
    ("NAME", 0), ("CLASS", 0), ("HOSTS", 0), ("ADDRESS", 0), ("PORTS", 0), ("AGE", 0),
]
GENERIC_COLUMNS: Columns = [("NAME", 0), ("AGE", 0)]


def configmap_row(cm: Obj, now: datetime) -> list[str]:
    count = len(cm.get("data") or {}) + len(cm.get("binaryData") or {})
    return [meta(cm).get("name", ""), str(count), age(cm, now)]


def secret_row(sec: Obj, now: datetime) -> list[str]:
    count = len(sec.get("data") or {})
    return [meta(sec).get("name", ""), sec.get("type") or "", str(count), age(sec, now)]


def serviceaccount_row(sa: Obj, now: datetime) -> list[str]:
    return [meta(sa).get("name", ""), str(len(sa.get("secrets") or [])), age(sa, now)]


def _ingress_hosts(rules: list[dict], limit: int = 3) -> str:
    items: list[str] = []
    more = False
    for rule in rules:
        if len(items) == limit:
            more = True
        if not more and rule.get("host"):
            items.append(rule["host"])
    if not items:
        return "*"
    ret = ",".join(items)
    return f"{ret} + {len(rules) - limit} more..." if more else ret


def ingress_row(ing: Obj, now: datetime) -> list[str]:
    s = spec(ing)
    klass = s.get("ingressClassName")
    found = set()
    for lb in (status(ing).get("loadBalancer") or {}).get("ingress") or []:
        value = lb.get("ip") or lb.get("hostname")
        if value:
            found.add(value)
    return [
        meta(ing).get("name", ""), "<none>" if klass is None else klass,
        _ingress_hosts(s.get("rules") or []), ",".join(sorted(found)),
        "80, 443" if s.get("tls") else "80", age(ing, now),
    ]


def generic_row(obj: Obj, now: datetime) -> list[str]:
    return [meta(obj).get("name", ""), age(obj, now)]
