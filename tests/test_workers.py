"""Low-priority pools: decodes and heavy layers run in few threads that yield the CPU to everyone else."""

from __future__ import annotations

import glob
import os
import threading

import numpy as np
import pytest
import torch

from viz import workers

NORMAL = os.getpriority(os.PRIO_PROCESS, 0)


def _where() -> tuple[str, int]:
    return threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.parametrize(("pool", "name", "slots"), [("decoders", "decode", 2), ("heavy_layers", "heavy", 2)])
def test_each_pool_runs_in_its_few_low_priority_threads(pool, name, slots):
    seen = {workers.run_in(getattr(workers, pool), _where) for _ in range(20)}
    assert all(thread.startswith(f"convscope-{name}") for thread, _ in seen)
    assert {nice for _, nice in seen} == {NORMAL + workers.NICENESS}
    assert len({thread for thread, _ in seen}) <= slots


def _thread_nices() -> dict[int, int]:
    """Every thread of this process -> its nice value, from /proc (field 19 of stat)."""
    nices = {}
    for path in glob.glob("/proc/self/task/*/stat"):
        with open(path) as f:
            stat = f.read()
        nices[int(path.split("/")[4])] = int(stat[stat.rindex(")") + 2 :].split()[16])
    return nices


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs Linux's /proc")
def test_the_threads_torch_starts_for_a_heavy_layer_are_low_priority_too():
    before = set(_thread_nices())
    x, w = torch.randn(1, 3, 256, 256), torch.randn(4, 3, 5, 5)

    def convolve() -> int:
        torch.nn.functional.conv2d(x, w)
        return threading.get_native_id()

    worker = workers.run_in(workers.heavy_layers, convolve)
    started = {tid: nice for tid, nice in _thread_nices().items() if tid not in before or tid == worker}
    assert started[worker] == NORMAL + workers.NICENESS
    assert set(started.values()) == {NORMAL + workers.NICENESS}  # torch's own threads for it inherit the priority


def test_an_exception_reaches_the_caller():
    def fail() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        workers.run_in(workers.heavy_layers, fail)


def test_results_come_back_whole():
    assert workers.run_in(workers.heavy_layers, np.add, np.ones(3), 2).tolist() == [3, 3, 3]
