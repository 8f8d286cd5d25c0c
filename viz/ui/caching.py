"""Server-wide caches whose keys are exact and whose size is bounded.

Streamlit hashes a large NumPy array by sampling 100,000 of its values, so two
different pictures can share a cache entry: one student's upload could appear
in another student's panels. Every cached function here hashes arrays by a full
digest of their bytes, shape and dtype instead. Entries expire after TTL_SECONDS,
and `server.maxCacheDataSize` in .streamlit/config.toml bounds their total bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import streamlit as st

TTL_SECONDS = 15 * 60
F = TypeVar("F", bound=Callable[..., Any])


def array_digest(array: np.ndarray) -> str:
    """A digest of every byte of array, with its shape and dtype: equal only for equal arrays."""
    h = hashlib.blake2b(digest_size=20)
    h.update(repr((array.shape, array.dtype.str)).encode())
    h.update(np.ascontiguousarray(array).data)
    return h.hexdigest()


EXACT_HASHES = {np.ndarray: array_digest}


def cached_result(max_entries: int) -> Callable[[F], F]:
    """st.cache_data with exact array keys, a bounded number of entries and an expiry."""
    return st.cache_data(max_entries=max_entries, ttl=TTL_SECONDS, show_spinner=False, hash_funcs=EXACT_HASHES)
