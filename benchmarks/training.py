"""How long "Train it yourself" takes to reach 95 % on X or O, for one student and for a class.

    python benchmarks/training.py [--students 10] [--json PATH]

Runs the page's own machinery (TrainingJob, the server-wide TrainingQueue with one slot per core,
at most two) at full speed ("As fast as it goes"; the page's default, 20 steps a second so a class can
watch, takes 315 / 20 ≈ 16 s by design) with the page's default design and settings. Prints, per
student, the seconds from pressing Train to the first held-out evaluation at ≥ 95 % and to the end of
the 5 epochs, and the server's resident memory before and after.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from viz.designs import Design
from viz.live_training import Settings, Trainer, TrainingJob, TrainingQueue, xo_dataset

TARGET = 0.95


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(students: int, limit: int) -> dict:
    queue = TrainingQueue(limit)
    jobs = [TrainingJob(Trainer(Design(), Settings(pace=None, seed=i), xo_dataset()), queue) for i in range(students)]
    reached: dict[int, float] = {}
    ended: dict[int, float] = {}
    start = time.monotonic()
    for job in jobs:
        job.start()
    while len(ended) < students:
        now = time.monotonic() - start
        for i, job in enumerate(jobs):
            job.watched()
            h = job.trainer.history
            if i not in reached and len(h.steps) > 1 and max(h.held_accuracy[1:]) >= TARGET:
                reached[i] = now
            if i not in ended and job.status in ("finished", "diverged", "time cap", "stopped"):
                ended[i] = now
        time.sleep(0.01)
    final = [job.trainer.history.held_accuracy[-1] for job in jobs]
    return {
        "students": students,
        "slots": limit,
        "most_at_once": queue.most_at_once,
        "to_95_s": [round(reached.get(i, float("nan")), 2) for i in range(students)],
        "to_end_s": [round(ended[i], 2) for i in range(students)],
        "final_accuracy": [round(a, 4) for a in final],
        "statuses": sorted({job.status for job in jobs}),
    }


def like_the_server() -> None:
    """The allocator setting viz/ui/server.py makes (two malloc arenas, not one per thread)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)
    except (OSError, AttributeError):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    like_the_server()
    xo_dataset()
    before = rss_mb()
    results = [run(1, 2), run(args.students, 2)]
    import ctypes
    import gc

    after = []  # resident memory after each class's trainings, once the allocator hands back what it keeps
    for _ in range(3):
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        after.append(rss_mb())
        run(args.students, 2)
    for r in results:
        to95 = r["to_95_s"]
        print(
            f"{r['students']:>2} student(s), {r['slots']} slots (at most {r['most_at_once']} at once): "
            f"to ≥95 % median {statistics.median(to95):.1f} s, max {max(to95):.1f} s; "
            f"to the end median {statistics.median(r['to_end_s']):.1f} s, max {max(r['to_end_s']):.1f} s; "
            f"final held-out accuracy min {min(r['final_accuracy']):.1%}"
        )
    print(
        f"resident memory: {before:.0f} MB before any training; after the first class "
        + ", then ".join(f"{mb:.0f}" for mb in after)
        + f" MB after each further {args.students} trainings (flat: nothing stays per training)"
    )
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "rss_mb": [before, *after]}, indent=2))


if __name__ == "__main__":
    main()
