"""Go's `sort.Sort` (pdqsort since Go 1.19), replayed comparison for comparison: kubectl sorts
with an inconsistent `Less`, so ties and missing keys land only where Go's algorithm leaves them.
"""

from __future__ import annotations


def go_sort(items: list, less) -> None:
    """Sort `items` in place, calling `less(i, j)` on positions in Go's order of comparisons."""
    n = len(items)
    if n > 1:
        _pdqsort(_Data(items, less), 0, n, n.bit_length())


class _Data:
    def __init__(self, items: list, less):
        self.items, self.less = items, less

    def swap(self, i: int, j: int) -> None:
        self.items[i], self.items[j] = self.items[j], self.items[i]


def _insertion(d: _Data, a: int, b: int) -> None:
    for i in range(a + 1, b):
        j = i
        while j > a and d.less(j, j - 1):
            d.swap(j, j - 1)
            j -= 1


def _sift_down(d: _Data, lo: int, hi: int, first: int) -> None:
    root = lo
    while (child := 2 * root + 1) < hi:
        if child + 1 < hi and d.less(first + child, first + child + 1):
            child += 1
        if not d.less(first + root, first + child):
            return
        d.swap(first + root, first + child)
        root = child


def _heap_sort(d: _Data, a: int, b: int) -> None:
    hi = b - a
    for i in range((hi - 1) // 2, -1, -1):
        _sift_down(d, i, hi, a)
    for i in range(hi - 1, -1, -1):
        d.swap(a, a + i)
        _sift_down(d, 0, i, a)


def _pdqsort(d: _Data, a: int, b: int, limit: int) -> None:
    balanced = partitioned = True
    while True:
        length = b - a
        if length <= 12:
            _insertion(d, a, b)
            return
        if limit == 0:
            _heap_sort(d, a, b)
            return
        if not balanced:
            _break_patterns(d, a, b)
            limit -= 1
        pivot, hint = _choose_pivot(d, a, b)
        if hint == "decreasing":
            _reverse(d, a, b)
            pivot, hint = (b - 1) - (pivot - a), "increasing"
        if balanced and partitioned and hint == "increasing" and _partial_insertion(d, a, b):
            return
        if a > 0 and not d.less(a - 1, pivot):
            a = _partition_equal(d, a, b, pivot)
            continue
        mid, partitioned = _partition(d, a, b, pivot)
        left, right = mid - a, b - mid
        if left < right:
            balanced = left >= length // 8
            _pdqsort(d, a, mid, limit)
            a = mid + 1
        else:
            balanced = right >= length // 8
            _pdqsort(d, mid + 1, b, limit)
            b = mid


def _partition(d: _Data, a: int, b: int, pivot: int) -> tuple[int, bool]:
    d.swap(a, pivot)
    i, j = a + 1, b - 1
    while i <= j and d.less(i, a):
        i += 1
    while i <= j and not d.less(j, a):
        j -= 1
    if i > j:
        d.swap(j, a)
        return j, True
    d.swap(i, j)
    i, j = i + 1, j - 1
    while True:
        while i <= j and d.less(i, a):
            i += 1
        while i <= j and not d.less(j, a):
            j -= 1
        if i > j:
            break
        d.swap(i, j)
        i, j = i + 1, j - 1
    d.swap(j, a)
    return j, False


def _partition_equal(d: _Data, a: int, b: int, pivot: int) -> int:
    d.swap(a, pivot)
    i, j = a + 1, b - 1
    while True:
        while i <= j and not d.less(a, i):
            i += 1
        while i <= j and d.less(a, j):
            j -= 1
        if i > j:
            return i
        d.swap(i, j)
        i, j = i + 1, j - 1


def _partial_insertion(d: _Data, a: int, b: int) -> bool:
    i = a + 1
    for _ in range(5):
        while i < b and not d.less(i, i - 1):
            i += 1
        if i == b:
            return True
        if b - a < 50:
            return False
        d.swap(i, i - 1)
        if i - a >= 2:
            j = i - 1
            while j >= 1 and d.less(j, j - 1):
                d.swap(j, j - 1)
                j -= 1
        if b - i >= 2:
            j = i + 1
            while j < b and d.less(j, j - 1):
                d.swap(j, j - 1)
                j += 1
    return False


def _break_patterns(d: _Data, a: int, b: int) -> None:
    length = b - a
    if length >= 8:
        state = length
        modulus = 1 << length.bit_length()
        idx = a + (length // 4) * 2 - 1
        for i in range(3):
            state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
            state ^= state >> 7
            state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
            other = state & (modulus - 1)
            other -= length if other >= length else 0
            d.swap(idx + i, a + other)


def _choose_pivot(d: _Data, a: int, b: int) -> tuple[int, str]:
    length = b - a
    swaps = [0]
    i, j, k = a + length // 4, a + length // 4 * 2, a + length // 4 * 3
    if length >= 8:
        if length >= 50:
            i, j, k = (_median(d, x - 1, x, x + 1, swaps) for x in (i, j, k))
        j = _median(d, i, j, k, swaps)
    if swaps[0] == 0:
        return j, "increasing"
    return j, "decreasing" if swaps[0] == 12 else "unknown"


def _median(d: _Data, a: int, b: int, c: int, swaps: list) -> int:
    def order(x: int, y: int) -> tuple[int, int]:
        if d.less(y, x):
            swaps[0] += 1
            return y, x
        return x, y

    a, b = order(a, b)
    b, c = order(b, c)
    a, b = order(a, b)
    return b


def _reverse(d: _Data, a: int, b: int) -> None:
    i, j = a, b - 1
    while i < j:
        d.swap(i, j)
        i, j = i + 1, j - 1
