"""Server-wide caches whose keys are exact and whose size is bounded in bytes.

Streamlit hashes a large NumPy array by sampling 100,000 of its values, so two
different pictures could share a cache entry: one student's upload could appear
in another student's panels. Here every key holds a digest of all the bytes of an
array (with its shape and dtype), so an entry belongs to exactly one input.

Streamlit's st.cache_data also pickles each value and unpickles a fresh copy on
every hit: ten sessions rerunning at 1024 px held ten copies of ~40 MB each. These
caches keep one shared copy per entry instead, with its arrays made read-only so
no page can change what another session sees. Each cache is bounded by entries,
by bytes (the arrays' own size) and by age.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

TTL_SECONDS = 15 * 60
F = TypeVar("F", bound=Callable[..., Any])


def array_digest(array: np.ndarray) -> str:
    """A digest of every byte of array, with its shape and dtype: equal only for equal arrays."""
    h = hashlib.blake2b(digest_size=20)
    h.update(repr((array.shape, array.dtype.str)).encode())
    h.update(np.ascontiguousarray(array).data)
    return h.hexdigest()


def key_of(value: Any) -> Hashable:
    """An exact, hashable stand-in for an argument: arrays and bytes by a full digest, containers by parts."""
    if isinstance(value, np.ndarray):
        return ("array", array_digest(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return ("bytes", len(value), hashlib.blake2b(value, digest_size=20).hexdigest())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__, *(key_of(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if isinstance(value, tuple | list):
        return (type(value).__name__, *(key_of(v) for v in value))
    if isinstance(value, dict):
        return ("dict", *sorted((str(k), key_of(v)) for k, v in value.items()))
    hash(value)  # anything else must be hashable as it is
    return value


def _walk(value: Any, visit: Callable[[np.ndarray | bytes], None]) -> None:
    if isinstance(value, np.ndarray | bytes):
        visit(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _walk(getattr(value, f.name), visit)
    elif isinstance(value, tuple | list):
        for v in value:
            _walk(v, visit)
    elif isinstance(value, dict):
        for v in value.values():
            _walk(v, visit)


def freeze(value: Any) -> int:
    """Make every array in value read-only; returns the total size in bytes of its arrays and bytes
    (such as encoded pictures)."""
    total = 0

    def visit(item: np.ndarray | bytes) -> None:
        nonlocal total
        if isinstance(item, np.ndarray):
            item.setflags(write=False)
            total += item.nbytes
        else:
            total += len(item)

    _walk(value, visit)
    return total


class BoundedCache:
    """A thread-safe LRU cache bounded by entries, bytes and age; values are shared, never copied."""

    def __init__(self, max_entries: int, max_bytes: int, ttl: float = TTL_SECONDS) -> None:
        self.max_entries, self.max_bytes, self.ttl = max_entries, max_bytes, ttl
        self._entries: OrderedDict[Hashable, tuple[Any, int, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[2] > now:
                self._entries.move_to_end(key)
                return hit[0]
        value = compute()  # outside the lock: other sessions keep going meanwhile
        size = freeze(value)
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[1]
            if size <= self.max_bytes:
                self._entries[key] = (value, size, now + self.ttl)
                self._bytes += size
            self._evict(now)
        return value

    def _evict(self, now: float) -> None:
        for key in [k for k, (_, _, expires) in self._entries.items() if expires <= now]:
            self._bytes -= self._entries.pop(key)[1]
        while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
            self._bytes -= self._entries.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


def cached_result(max_entries: int, max_mb: float, ignore: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Cache a function's results server-wide by its arguments' exact keys.

    ignore names arguments left out of the key (one that another argument already identifies,
    such as an upload's bytes next to their digest).
    """

    def decorate(fn: F) -> F:
        cache = BoundedCache(max_entries, int(max_mb * 1024 * 1024))
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            key = tuple((name, key_of(v)) for name, v in bound.arguments.items() if name not in ignore)
            return cache.get_or_compute(key, lambda: fn(*args, **kwargs))

        wrapper.clear = cache.clear  # type: ignore[attr-defined]
        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
