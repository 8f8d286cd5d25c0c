"""Start `streamlit run` with every script run timed on the server, for benchmarks/classroom.py.

    python benchmarks/rerun_log.py LOG_PATH run app.py [streamlit options]

Appends one line per finished script run to LOG_PATH: the session's id, then the wall-clock times (seconds
since the epoch) at which the server's event loop read the rerun request, the script started and the
script stopped, and for the script's thread meanwhile: the CPU seconds it used and the seconds it waited
for a core (from /proc/thread-self/schedstat; the rest of the run it was blocked, e.g. on the
interpreter lock). Only timings are written: no widget values, nothing of an upload. The app itself is
unchanged; this wraps Streamlit's AppSession from outside.
"""

from __future__ import annotations

import sys
import threading
import time


def install(log_path: str) -> None:
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.scriptrunner import ScriptRunnerEvent

    requested: dict[str, float] = {}
    started: dict[str, tuple[float, float, float]] = {}
    lock = threading.Lock()
    log = open(log_path, "a", buffering=1)  # open for the server's lifetime
    stopped = {
        ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS,
        ScriptRunnerEvent.SCRIPT_STOPPED_WITH_COMPILE_ERROR,
        ScriptRunnerEvent.SCRIPT_STOPPED_FOR_RERUN,
    }
    handle_backmsg = AppSession.handle_backmsg
    on_event = AppSession._on_scriptrunner_event

    def timed_backmsg(self, msg):
        if msg.WhichOneof("type") == "rerun_script":
            requested[self.id] = time.time()
        return handle_backmsg(self, msg)

    def timed_event(self, sender, event, *args, **kwargs):
        now, cpu, queued = time.time(), time.thread_time(), _queued()  # the events come from the script's thread
        if event == ScriptRunnerEvent.SCRIPT_STARTED:
            started[self.id] = now, cpu, queued
        elif event in stopped and self.id in started:
            start, start_cpu, start_queued = started.pop(self.id)
            line = f"{self.id} {requested.get(self.id, 0.0):.4f} {start:.4f} {now:.4f}"
            with lock:
                log.write(f"{line} {cpu - start_cpu:.4f} {queued - start_queued:.4f}\n")
        return on_event(self, sender, event, *args, **kwargs)

    AppSession.handle_backmsg = timed_backmsg
    AppSession._on_scriptrunner_event = timed_event


def _queued() -> float:
    """Seconds this thread has spent waiting for a core since it started (0 where Linux does not say)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def read(log_path: str) -> list[tuple[str, float, float, float, float, float]]:
    """The log's lines as (session id, requested, started, stopped, script CPU seconds, seconds queued)."""
    out = []
    with open(log_path) as f:
        for line in f:
            session, *times = line.split()
            out.append((session, *(float(t) for t in times)))
    return out


if __name__ == "__main__":
    install(sys.argv[1])
    from streamlit.web.cli import main

    sys.argv = ["streamlit", *sys.argv[2:]]
    main(prog_name="streamlit")
