"""benchmarks/classroom.py's arithmetic: a bystander's rerun in the page matched with the server's run of it."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
classroom = pytest.importorskip("classroom")  # imports Playwright's helpers of the browser tests


def page_rerun(label: str, sent_epoch: float, total: float) -> tuple[str, float, dict]:
    return label, total, {"total": total, "sent": 0.02, "first": 0.05, "last": total - 0.04, "sentEpoch": sent_epoch}


def test_each_page_rerun_is_matched_with_its_own_sessions_next_run():
    # two bystanders (A, B) and a hostile session (H), whose first request is read between the moment
    # A's page sent its request and the moment the server read it
    runs = [
        ("H", 100.0005, 100.001, 103.0, 2.5, 0.3),
        ("A", 100.001, 100.002, 100.060, 0.040, 0.010),
        ("B", 101.003, 101.004, 101.900, 0.050, 0.700),
        ("H", 101.0031, 101.004, 104.0, 2.5, 0.3),
        ("A", 102.002, 102.003, 102.100, 0.045, 0.020),
        ("B", 103.001, 103.002, 103.050, 0.030, 0.010),
        ("A", 104.002, 104.003, 104.080, 0.040, 0.010),
    ]
    pages = [
        page_rerun("uploads", 100.0, 0.2),
        page_rerun("uploads", 101.0, 1.2),
        page_rerun("kernels", 102.0, 0.3),
        page_rerun("kernels", 103.0, 0.2),
        page_rerun("kernels", 104.0, 0.2),
    ]
    parts = classroom.server_parts(pages, runs, sessions=2)
    assert parts["all"]["n"] == 5
    # the slow page rerun (1.2 s) is B's run: 0.9 s on the server, 0.7 s of it waiting for a core
    slow = parts["over 1 s"]
    assert slow["n"] == 1
    assert slow["server total"]["max"] == pytest.approx(0.9, abs=1e-3)
    assert slow["script queued"]["max"] == pytest.approx(0.7)
    assert slow["request read"]["max"] == pytest.approx(0.003, abs=1e-3)
    # never the hostile session's 3 s runs
    assert parts["all"]["script"]["max"] == pytest.approx(0.896, abs=1e-3)


def test_rerun_parts_split_the_page_time_into_its_four_parts():
    labelled = [page_rerun("baseline", 1.0, 0.2), ("baseline", 30.0, {})]  # the second one timed out
    parts = classroom.rerun_parts(labelled)["baseline"]
    assert parts["n"] == 1
    assert parts["key to request"] == pytest.approx(0.02)
    assert parts["request to first answer"] == pytest.approx(0.03)
    assert parts["first to last answer"] == pytest.approx(0.11)
    assert parts["last answer to drawn"] == pytest.approx(0.04)
