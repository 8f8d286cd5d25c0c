"""Bounded, low-priority work: what one student starts must not slow everyone else's slider.

A ConvScope server is one process shared by a class, with every session's script in a thread of
its own. Two kinds of work can take seconds of CPU each: decoding a large upload, and a layer at a
large working size (a 1024 px photo, eight filters, each colour channel). They run in small pools
of threads set to a lower CPU priority (on Linux each thread has its own nice value, and the
threads torch starts for a computation inherit it), so a light rerun from another session is
scheduled first, and at most a pool's size of them hold their memory at once. The session that
asked waits for its result (the page shows its spinner); light work runs where it was asked for.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

NICENESS = 10  # a thread at nice 10 gets about a tenth of the CPU a nice-0 thread gets when both want it
DECODE_SLOTS = 2  # full-size decodes in memory at once, server-wide
HEAVY_SLOTS = 2  # heavy layers at once, server-wide: both cores when nobody else needs them
# A layer is heavy from this many multiply-adds of convolution (about 40 ms of CPU here): a 512 px
# photo with one 7×7 filter (13 M) is light, a 1024 px photo with 3×3 filters on each channel (28 M) is not.
HEAVY_MULTIPLY_ADDS = 20_000_000


def lower_priority() -> None:
    """Run the calling thread at NICENESS more than it had (never less); quietly nothing if not allowed."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


def _pool(slots: int, name: str) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(slots, thread_name_prefix=f"convscope-{name}", initializer=lower_priority)


decoders = _pool(DECODE_SLOTS, "decode")
heavy_layers = _pool(HEAVY_SLOTS, "heavy")


def run_in(pool: ThreadPoolExecutor, fn: Callable[..., T], *args) -> T:
    """fn(*args) in one of pool's threads; the caller waits for it (and gets its exception)."""
    return pool.submit(fn, *args).result()
