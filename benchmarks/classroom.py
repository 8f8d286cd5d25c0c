"""A scripted hostile classroom: is the server's memory bounded, and does everyone else stay responsive?

    python benchmarks/classroom.py [--sessions 10] [--kernels 48] [--uploads 30] [--json PATH]

Starts its own server (`streamlit run app.py` on a free localhost port), samples its resident
memory (VmRSS of the process and any children, from /proc) every 100 ms, and drives one headless
Chromium with one page per session (each its own Streamlit session; pages share one browser context,
so the app's scripts load once — --separate-contexts gives each its own), all acting at once:

* "workers" share the hostile work: uploads of ~24 MB noisy JPEGs (each file different, so no cache
  can share them), then distinct kernels (3×3 to 11×11) typed at working size 1024 in per-channel mode
  on those uploads, then two 88-megapixel PNGs uploaded by two sessions at the same moment (they must
  be refused with a message that says "megapixels");
* "bystanders" keep nudging the Stride slider and time each input event until the new feature-map
  shape appears in their page (measured in the browser, so the driver's own load does not count).

In a classroom every browser runs on a student's own device, not on the server's two cores. Here they
share them, so: the bystanders' pages are in one Chromium at normal priority, the other sessions' pages
in a second Chromium in the idle scheduling class at nice 10 (--workers-nice; nice alone did not do it:
Chromium sets its own threads' nice values, down to -8), and both browsers and the benchmark's own
driver run in a CPU cgroup of low weight (--guest-shares, cgroup v1 as root), so that they get the cores
only as far as the server leaves them. --workers-nice 0 --guest-shares 0 puts everyone in one browser
beside the server, at the server's priority.

Each bystander rerun is also timed on the server (the server runs under benchmarks/rerun_log.py): when
its request was read, when the script started and stopped, the CPU its thread used and the time it
waited for a core. So the server's part of a rerun can be told from the page's drawing.

Prints a table of the figures; --json writes them too. The README's "Run it for a class" reports them.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rerun_log  # noqa: E402  (benchmarks/, beside this file)

from tests.e2e.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    STARTUP_SECONDS,
    free_port,
    streamlit_command,
)
from tests.e2e.helpers import IDLE_JS  # noqa: E402
from tests.e2e.test_concurrency_e2e import settle, shapes  # noqa: E402

URL_QUERY = "?size=1024&mode=per_channel"
JPEG_WIDTH, JPEG_HEIGHT = 3000, 2020  # ~23.7 MiB at quality 100 with no chroma subsampling
PNG_SIDE = 9400  # 88.4 megapixels
KERNEL_SIZES = (3, 5, 7, 9, 11)
ACTION_TIMEOUT_MS = 180_000
LATENCY_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 800}
SHAPE_RE = re.compile(r"^(\d+)×(\d+)")

# Installed in the bystanders' pages before the app opens its WebSocket: notes when each message is sent
# and when each one reaches the page's main thread, so a slow rerun can be split into its parts.
WS_TIMES_JS = r"""(() => {
  const Native = window.WebSocket;
  window.__ws = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => window.__ws.push(['r', performance.now()]));
    }
    send(data) { window.__ws.push(['s', performance.now()]); return super.send(data); }
  };
})();"""

# Resolves with the milliseconds from the next keydown to the moment the feature-map label reads `expected`,
# split by the page's WebSocket: keydown -> rerun request sent, -> first and last answer seen by the page.
ARM_LATENCY_JS = r"""([expected, timeoutMs]) => {
  let t0 = null;
  window.__ws = [];
  const parts = (done) => {
    const sent = window.__ws.find(([k, t]) => k === 's' && t >= t0);
    const got = window.__ws.filter(([k, t]) => k === 'r' && sent && t >= sent[1] && t <= done).map(([, t]) => t);
    if (!sent || !got.length) return {total: done - t0};
    return {total: done - t0, sent: sent[1] - t0, first: got[0] - t0, last: got[got.length - 1] - t0,
            sentEpoch: performance.timeOrigin + sent[1]};
  };
  const feature = () => {
    const found = [];
    for (const el of document.querySelectorAll('[data-testid="stMarkdownContainer"]')) {
      const m = el.innerText.trim().match(/^\d · .*\n(\S+(?: (?:grayscale|RGB))?)$/);
      if (m) found.push(m[1]);
    }
    return found[1];
  };
  window.__latency = new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (t0 !== null && feature() === expected) {
        const done = performance.now();
        observer.disconnect();
        clearTimeout(timer);
        resolve(parts(done));
      }
    });
    const timer = setTimeout(() => { observer.disconnect(); reject(new Error('no ' + expected)); }, timeoutMs);
    document.addEventListener('keydown', () => { if (t0 === null) t0 = performance.now(); },
                              {capture: true, once: true});
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  });
}"""


# ---------------------------------------------------------------- the server and its memory
def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for children in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                kids = [int(k) for k in children.read_text().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def rss_mb(pid: int) -> float:
    """VmRSS of pid and all its descendants, in MB (MiB)."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total / 1024


# ---------------------------------------------------------------- where the two cores go
CPU_GROUPS = (
    "server, normal priority",
    "server, low priority",
    "browser, normal priority",
    "browser, idle class",
    "benchmark driver",
    "everything else",
)
SCHED_IDLE_POLICY = 5


def _task_stat(path: str) -> tuple[int, int, int] | None:
    """(CPU ticks, nice, scheduling policy) from a /proc/<pid>/task/<tid>/stat file."""
    try:
        with open(path) as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12]), int(fields[16]), int(fields[38])


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds a process (all its threads) has used so far."""
    stat = _task_stat(f"/proc/{pid}/stat")
    return stat[0] / os.sysconf("SC_CLK_TCK") if stat else 0.0


def cpu_ticks(server_pid: int) -> dict[tuple[int, int], tuple[str, int]]:
    """Every thread on the machine -> (its group in CPU_GROUPS, CPU ticks used so far). The server's
    threads are split by their nice value, Chromium's by scheduling class (the other sessions' browser
    runs in the idle class), the benchmark's own Python and its Playwright driver form one group."""
    server = {server_pid, *_descendants(server_pid)}
    base_nice = os.getpriority(os.PRIO_PROCESS, server_pid)
    driver = {os.getpid(), *_descendants(os.getpid())}
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            stat = _task_stat(f"/proc/{pid}/task/{tid}/stat")
            if stat is None:
                continue
            ticks, nice, policy = stat
            if pid in server:
                group = CPU_GROUPS[1] if nice > base_nice else CPU_GROUPS[0]
            elif comm.startswith("chrom"):
                group = CPU_GROUPS[3] if policy == SCHED_IDLE_POLICY else CPU_GROUPS[2]
            elif pid in driver:
                group = CPU_GROUPS[4]
            else:
                group = CPU_GROUPS[5]
            out[(pid, int(tid))] = (group, ticks)
    return out


def cpu_seconds_between(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per group used between two cpu_ticks snapshots (threads that ended meanwhile are lost)."""
    hz = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(CPU_GROUPS, 0.0)
    for task, (group, ticks) in after.items():
        used[group] += (ticks - before.get(task, (group, 0))[1]) / hz
    return {group: round(seconds, 1) for group, seconds in used.items()}


class Sampler(threading.Thread):
    """Samples rss_mb(pid) every interval seconds, labelled with the current phase."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.phase = "startup"
        self.samples: list[tuple[float, str, float]] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.samples.append((time.monotonic(), self.phase, rss_mb(self.pid)))
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def peak(self, phase: str | None = None) -> float:
        values = [mb for _, p, mb in self.samples if phase is None or p == phase]
        return max(values) if values else float("nan")

    def median_since(self, start: float) -> float:
        values = [mb for t, _, mb in self.samples if t >= start]
        return statistics.median(values) if values else float("nan")


def start_server(log_path: Path, runs_path: Path) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free port, every script run timed into runs_path (benchmarks/rerun_log.py)."""
    port = free_port()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    command = streamlit_command(port)
    assert command[1:3] == ["-m", "streamlit"], command
    with open(log_path, "wb") as log:  # the server keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [command[0], str(ROOT / "benchmarks" / "rerun_log.py"), str(runs_path), *command[3:]]
            # A measurement of this code: files others edit meanwhile must not be reloaded mid-run.
            + ["--server.fileWatcherType", "none"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError(f"the app did not start: {log_path.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


CPU_CGROUP = Path("/sys/fs/cgroup/cpu")  # cgroup v1's CPU controller, where this machine has it


def join_guest_cgroup(shares: int) -> str:
    """Move this process, and so every browser and driver it starts later, into a CPU cgroup of weight
    `shares` (each of the server's threads weighs 1024 at nice 0): in a classroom the browsers run on the
    students' devices, so here they get the server's two cores only as far as the server leaves them.
    Returns how the guests ran, for the report; without a writable cgroup v1 CPU controller, as before."""
    if shares <= 0:
        return "beside the server (no cgroup)"
    group = CPU_CGROUP / f"convscope-classroom-{os.getpid()}"
    try:
        group.mkdir()
        (group / "cpu.shares").write_text(str(shares))
        (group / "cgroup.procs").write_text(str(os.getpid()))
    except OSError as exc:
        return f"beside the server (no cgroup: {exc.strerror})"

    def leave() -> None:
        try:
            (CPU_CGROUP / "cgroup.procs").write_text(str(os.getpid()))
            group.rmdir()
        except OSError:
            pass

    atexit.register(leave)
    return f"in a CPU cgroup of weight {shares} (a server thread: 1024)"


# ---------------------------------------------------------------- the hostile files and kernels
@dataclass
class Payloads:
    """The hostile files, written to a scratch folder: Playwright hands a browser on this machine a path,
    where a 24 MB in-memory buffer would be base64-copied through its driver (tens of seconds each)."""

    jpegs: list[tuple[Path, int, int]] = field(default_factory=list)  # (path, height, bytes)
    pngs: list[tuple[Path, int]] = field(default_factory=list)  # (path, bytes)


def make_payloads(uploads: int, pngs: int, folder: Path) -> Payloads:
    """~24 MB noisy JPEGs 3000 px wide, each a different height with a few pixels changed (no two alike),
    and 9400×9400 RGBA PNGs, transparent but for a square (a few hundred KB each)."""
    out = Payloads()
    noise = np.random.default_rng(0).integers(0, 256, (JPEG_HEIGHT, JPEG_WIDTH, 3), dtype=np.uint8)
    for i in range(uploads):
        height = JPEG_HEIGHT - 2 * i
        pixels = noise[:height].copy()
        pixels[:8, 8 * i : 8 * i + 8] = (i * 37) % 256
        path = folder / f"classroom-{i:02d}.jpg"
        Image.fromarray(pixels).save(path, "JPEG", quality=100, subsampling=0)
        out.jpegs.append((path, height, path.stat().st_size))
    del noise
    for i in range(pngs):
        im = Image.new("RGBA", (PNG_SIDE, PNG_SIDE), (0, 0, 0, 0))
        im.paste((200, 40 + 60 * i, 30, 255), (4000 + i, 4000, 5400, 5400))
        path = folder / f"huge-{i}.png"
        im.save(path, "PNG")
        del im
        out.pngs.append((path, path.stat().st_size))
    return out


def make_kernels(count: int, seed: int = 0) -> list[tuple[int, str]]:
    """count distinct kernels as (size, text); consecutive ones differ in size so their output shapes differ."""
    rng = random.Random(seed)
    seen, out = set(), []
    while len(out) < count:
        size = KERNEL_SIZES[len(out) % len(KERNEL_SIZES)]
        rows = tuple(tuple(rng.randint(-9, 9) for _ in range(size)) for _ in range(size))
        if rows in seen or not any(any(r) for r in rows):
            continue
        seen.add(rows)
        out.append((size, "\n".join(" ".join(str(v) for v in row) for row in rows)))
    return out


def split(items: list, parts: int) -> list[list]:
    return [items[i::parts] for i in range(parts)]


# ---------------------------------------------------------------- sessions
@dataclass
class Session:
    name: str
    page: object = None
    exceptions: int = 0
    errors: list[str] = field(default_factory=list)  # st.error texts seen
    timings: dict[str, list[float]] = field(default_factory=dict)

    async def check(self) -> None:
        """Record exception boxes and error messages now in the page."""
        self.exceptions = max(self.exceptions, await self.page.locator('[data-testid="stException"]').count())
        for text in await self.page.locator('[data-testid="stAlertContentError"]').all_inner_texts():
            if text not in self.errors:
                self.errors.append(text)

    async def failed(self, step: str, exc: BaseException) -> None:
        """Keep a screenshot and the page's text of a session that could not go on."""
        SCREENSHOTS.mkdir(exist_ok=True)
        try:
            await self.page.screenshot(path=str(SCREENSHOTS / f"classroom-{self.name}.png"), full_page=True)
            text = await self.page.locator("body").inner_text()
        except Exception as again:
            text = f"(no page text: {again})"
        print(f"[classroom] {self.name} failed in {step}: {exc}\n{text[-1500:]}", file=sys.stderr)

    def timed(self, what: str, seconds: float) -> None:
        self.timings.setdefault(what, []).append(seconds)


GENERIC_ERROR = "Something unexpected went wrong"  # app.py's last line of defence


async def wait_main_text(page, text: str) -> None:
    """Wait for text in the main area; fail at once if the page shows app.py's catch-all error instead."""
    await page.wait_for_function(
        "([t, e]) => { const m = document.querySelector('[data-testid=\"stMain\"]')?.innerText || '';"
        " return m.includes(t) || m.includes(e); }",
        arg=[text, GENERIC_ERROR],
        timeout=ACTION_TIMEOUT_MS,
        polling=50,
    )
    main = await page.locator('[data-testid="stMain"]').inner_text()
    if text not in main:
        raise AssertionError(f"the page says {GENERIC_ERROR!r} instead of showing {text!r}")


async def open_session(context, url: str, name: str) -> Session:
    page = await context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    session = Session(name, page)
    start = time.monotonic()
    await page.goto(url + URL_QUERY)
    await page.wait_for_selector('[data-testid="stMain"]')
    await settle(page)
    await page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stImage\"]').length >= 4")
    session.timed("open", time.monotonic() - start)
    await session.check()
    return session


async def url_params_applied(page) -> bool:
    """?size=1024&mode=per_channel: the working-size slider says 1024 and the panels have three channels."""
    size = await page.locator('[data-testid="stSlider"]').filter(has_text="Working size").first.inner_text()
    seen = await shapes(page)
    return "1024" in size and len(seen) == 4 and seen[0].endswith("RGB") and seen[1].endswith("×3")


async def step(s: Session, name: str, coro):
    try:
        return await coro
    except Exception as exc:
        await s.failed(name, exc)
        raise


async def worker_uploads(s: Session, jpegs: list[tuple[Path, int, int]]) -> None:
    page = s.page
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    for _ in range(5):  # a click that lands while the page is busy can be lost: try again
        await page.locator('[data-testid="stRadio"] label').filter(has_text=re.compile("^Upload$")).first.click()
        try:
            await uploader.wait_for(state="attached", timeout=30_000)
            break
        except Exception:
            s.timed("upload radio retry", 30.0)
    await settle(page)
    for path, height, _ in jpegs:
        start = time.monotonic()
        await page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(path)
        await wait_main_text(page, f"JPEG {JPEG_WIDTH}×{height} RGB")
        await page.wait_for_function(IDLE_JS, timeout=ACTION_TIMEOUT_MS)
        s.timed("upload", time.monotonic() - start)
        await s.check()
    await settle(page)


async def worker_kernels(s: Session, kernels: list[tuple[int, str]]) -> None:
    page = s.page
    seen = await shapes(page)
    match = SHAPE_RE.match(seen[0]) if seen else None
    if not match or not seen[0].endswith("RGB"):
        raise AssertionError(f"{s.name}: expected a per-channel 1024 px input before typing kernels, saw {seen}")
    h, w = int(match.group(1)), int(match.group(2))
    editor = page.locator('[data-testid="stTextArea"] textarea').first
    for size, text in kernels:
        start = time.monotonic()
        await editor.fill(text)
        await editor.press("Control+Enter")
        await wait_main_text(page, f"{h - size + 1}×{w - size + 1}×3")
        await page.wait_for_function(IDLE_JS, timeout=ACTION_TIMEOUT_MS)
        s.timed("kernel", time.monotonic() - start)
        await s.check()
    await settle(page)


async def worker_png(s: Session, path: Path, go: asyncio.Event) -> str:
    page = s.page
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    await go.wait()
    start = time.monotonic()
    await uploader.set_input_files(path)
    await page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stAlert"]')]
                 .some(a => a.innerText.includes('megapixels'))""",
        timeout=ACTION_TIMEOUT_MS,
        polling=50,
    )
    await settle(page)
    s.timed("png", time.monotonic() - start)
    await s.check()
    texts = await page.locator('[data-testid="stAlert"]').all_inner_texts()
    return next(t for t in texts if "megapixels" in t)


async def bystander(
    s: Session, stop: asyncio.Event, phase: list[str], latencies: list[tuple[str, float, dict]]
) -> None:
    """Nudge the Stride slider between 1 and 2 until stop is set; time each key press until the new shape shows.

    A press whose shape has not appeared after LATENCY_TIMEOUT_MS counts as that long and as a timeout.
    """
    page = s.page
    seen = await shapes(page)
    h_in, w_in = (int(v) for v in SHAPE_RE.match(seen[0]).groups())
    h1, w1 = (int(v) for v in SHAPE_RE.match(seen[1]).groups())
    suffix = seen[1][len(f"{h1}×{w1}") :]  # "×3" in per-channel mode
    k = h_in - h1 + 1
    expect = {1: seen[1], 2: f"{(h_in - k) // 2 + 1}×{(w_in - k) // 2 + 1}{suffix}"}
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Stride").first.get_by_role("slider")
    stride = 1
    while not stop.is_set():
        target = 2 if stride == 1 else 1
        await slider.focus()
        await page.evaluate(ARM_LATENCY_JS, [expect[target], LATENCY_TIMEOUT_MS])
        label = phase[0]
        await slider.press("ArrowRight" if target == 2 else "ArrowLeft")
        try:
            parts = await page.evaluate("window.__latency")
            latencies.append((label, parts["total"] / 1000, {k: v / 1000 for k, v in parts.items()}))
            stride = target
        except Exception as exc:  # a missing rerun is a result, not a crash
            latencies.append((label, LATENCY_TIMEOUT_MS / 1000, {}))
            s.errors.append(f"bystander rerun timed out: {exc}"[:300])
            now = await shapes(page)
            stride = 2 if len(now) > 1 and now[1] == expect[2] else 1
        await page.wait_for_function(IDLE_JS, timeout=ACTION_TIMEOUT_MS, polling=50)
        await s.check()
        await asyncio.sleep(0.3 + random.random() * 0.4)


def rerun_parts(labelled: list[tuple[str, float, dict]]) -> dict[str, dict[str, float]]:
    """Where the bystanders' reruns spent their time, as medians of each part, for every rerun and for the
    slow ones (over a second): key press -> request sent (the page handling the key), -> first answer seen
    (the server starting the rerun, and the page free to read it), -> last answer seen (the server's script
    and the page reading its messages), -> new shape on screen (the page drawing)."""

    def medians(rows: list[dict]) -> dict[str, float]:
        rows = [r for r in rows if "sent" in r]
        if not rows:
            return {"n": 0}
        spans = {
            "key to request": [r["sent"] for r in rows],
            "request to first answer": [r["first"] - r["sent"] for r in rows],
            "first to last answer": [r["last"] - r["first"] for r in rows],
            "last answer to drawn": [r["total"] - r["last"] for r in rows],
        }
        return {"n": len(rows)} | {k: round(statistics.median(v), 3) for k, v in spans.items()}

    out = {"all": medians([p for _, _, p in labelled])}
    out["over 1 s"] = medians([p for _, seconds, p in labelled if seconds > 1])
    for label in dict.fromkeys(label for label, _, _ in labelled):
        out[label] = medians([p for lab, _, p in labelled if lab == label])
    return out


def server_parts(
    labelled: list[tuple[str, float, dict]], runs: list[tuple[str, float, float, float, float, float]], sessions: int
) -> dict:
    """The bystanders' reruns as the server saw them (benchmarks/rerun_log.py): each page's rerun request is
    matched with the server's run whose request was read next, within the bystanders' own sessions (the
    `sessions` whose runs match the pages' requests most often).

    Returns, for every rerun and for the slow ones (over a second in the page), the median and max of: the
    request's wait before the server's event loop read it, the wait before the script started, the
    script's run, the CPU its thread used meanwhile and the time it waited for a core (the rest of the run
    it was blocked, most likely on the interpreter lock), and the whole (page sent the request -> script
    stopped)."""
    pages = [(seconds, p) for _, seconds, p in labelled if "sentEpoch" in p]
    if not pages or not runs:
        return {}

    def nearest(sent: float, pool) -> tuple | None:
        after = [r for r in pool if r[1] >= sent - 0.005]
        return min(after, key=lambda r: r[1], default=None)

    votes: dict[str, int] = {}
    for _, p in pages:
        run = nearest(p["sentEpoch"], runs)
        if run:
            votes[run[0]] = votes.get(run[0], 0) + 1
    ours = set(sorted(votes, key=votes.get, reverse=True)[:sessions])
    pool = [r for r in runs if r[0] in ours]
    rows = []
    for seconds, p in pages:
        run = nearest(p["sentEpoch"], pool)
        if run and run[1] - p["sentEpoch"] < seconds:
            _, requested, started, stopped, cpu, queued = run
            rows.append(
                (
                    seconds,
                    {
                        "request read": max(0.0, requested - p["sentEpoch"]),
                        "wait to start": started - requested,
                        "script": stopped - started,
                        "script CPU": cpu,
                        "script queued": queued,
                        "server total": stopped - p["sentEpoch"],
                    },
                )
            )

    def summary(chosen: list[dict]) -> dict:
        if not chosen:
            return {"n": 0}
        keys = chosen[0].keys()
        return {"n": len(chosen)} | {
            k: {"median": round(statistics.median(c[k] for c in chosen), 3), "max": round(max(c[k] for c in chosen), 3)}
            for k in keys
        }

    return {"all": summary([r for _, r in rows]), "over 1 s": summary([r for s, r in rows if s > 1])}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def latency_stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values) if values else float("nan"),
        "p90": percentile(values, 0.9),
        "max": max(values, default=float("nan")),
    }


# ---------------------------------------------------------------- the run
def _niced(executable: str, niceness: int) -> str:
    """A wrapper script that starts executable (and so all its processes) at a lower CPU priority.

    Nice alone is not enough: Chromium sets its own threads' nice values (-8, 0 and 5 were measured in
    the browser started at nice 10, the same as in the other one), so the wrapper also puts it in the
    idle scheduling class, which its threads inherit and which no nice value lifts.
    """
    folder = tempfile.mkdtemp(prefix="classroom-nice-")
    atexit.register(shutil.rmtree, folder, True)
    wrapper = Path(folder) / "chromium"
    idle = "chrt --idle 0 " if shutil.which("chrt") else ""
    wrapper.write_text(f'#!/bin/sh\nexec {idle}nice -n {niceness} {executable} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


async def _drive(
    url: str,
    sampler: Sampler,
    payloads: Payloads,
    kernels: list,
    sessions: int,
    by: int,
    separate_contexts: bool,
    workers_nice: int,
) -> dict:
    from playwright.async_api import async_playwright

    figures: dict = {}
    phase = ["baseline"]

    cpu = {"phase": "startup", "at": time.monotonic(), "ticks": cpu_ticks(sampler.pid)}

    def account_cpu() -> None:
        """The CPU each group used in the phase that is ending, and its length."""
        ticks, now = cpu_ticks(sampler.pid), time.monotonic()
        used = cpu_seconds_between(cpu["ticks"], ticks) | {"wall": round(now - cpu["at"], 1)}
        figures.setdefault("cpu_by_phase_s", {})[cpu["phase"]] = used
        cpu["ticks"], cpu["at"] = ticks, now

    def enter(name: str) -> None:
        account_cpu()
        cpu["phase"] = name
        phase[0] = sampler.phase = name
        figures.setdefault("phase_started_s", {})[name] = round(time.monotonic() - t0, 1)
        print(
            f"[classroom] {time.monotonic() - t0:6.1f} s  {name}  (server {rss_mb(sampler.pid):.0f} MB)",
            file=sys.stderr,
        )

    t0 = time.monotonic()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        # In a classroom every student's browser runs on the student's own machine; here they all share
        # the server's two cores. The hostile students' browser can run at a lower priority, so that
        # drawing their 1024 px pages does not count against the server (--workers-nice 0: all alike).
        hostile = browser
        if workers_nice:
            hostile = await p.chromium.launch(
                executable_path=_niced(CHROMIUM, workers_nice), args=CHROMIUM_ARGS, headless=True
            )
        try:
            # One visit first, so "idle before" includes what any first visit loads.
            # Pages of one browser context share its HTTP and code caches, so ten of them load the
            # app's scripts once; each page is still its own Streamlit session (its own websocket).
            shared = {}

            async def new_context(b):
                made = await b.new_context(viewport=VIEWPORT)
                await made.add_init_script(WS_TIMES_JS)
                return made

            async def context(b):
                if separate_contexts:
                    return await new_context(b)
                if b not in shared:
                    shared[b] = await new_context(b)
                return shared[b]

            for b in {browser, hostile}:
                warm = await open_session(await context(b), url, "warm-up")
                await warm.page.close()
            await asyncio.sleep(3)
            idle_start = time.monotonic()
            await asyncio.sleep(2)
            figures["rss_idle_before_mb"] = sampler.median_since(idle_start)

            enter("open")
            contexts = [await context(browser if i < by else hostile) for i in range(sessions)]
            everyone = await asyncio.gather(*(open_session(c, url, f"session-{i}") for i, c in enumerate(contexts)))
            figures["url_params_applied"] = all(await asyncio.gather(*(url_params_applied(s.page) for s in everyone)))
            bystanders, workers = everyone[:by], everyone[by:]
            for s in bystanders:
                s.name = s.name.replace("session", "bystander")

            stop, latencies = asyncio.Event(), []
            enter("baseline")
            watching = [asyncio.create_task(bystander(s, stop, phase, latencies)) for s in bystanders]
            await asyncio.sleep(6)

            enter("uploads")
            await asyncio.gather(
                *(
                    step(s, "uploads", worker_uploads(s, share))
                    for s, share in zip(workers, split(payloads.jpegs, len(workers)), strict=True)
                )
            )
            enter("kernels")
            await asyncio.gather(
                *(
                    step(s, "kernels", worker_kernels(s, share))
                    for s, share in zip(workers, split(kernels, len(workers)), strict=True)
                )
            )
            enter("pngs")
            go = asyncio.Event()
            refusing = [
                asyncio.create_task(step(s, "pngs", worker_png(s, path, go)))
                for s, (path, _) in zip(workers, payloads.pngs, strict=False)
            ]
            await asyncio.sleep(0.2)
            go.set()
            figures["png_messages"] = await asyncio.gather(*refusing)
            enter("cool-down")
            await asyncio.sleep(4)
            stop.set()
            await asyncio.gather(*watching)
            for s in everyone:
                await s.check()

            idle_start = time.monotonic()
            await asyncio.sleep(3)
            figures["rss_idle_after_sessions_open_mb"] = sampler.median_since(idle_start)
            enter("closed")
            for s in everyone:
                await s.page.close()
                if separate_contexts:
                    await s.page.context.close()
            await asyncio.sleep(5)
            idle_start = time.monotonic()
            await asyncio.sleep(2)
            figures["rss_idle_after_sessions_closed_mb"] = sampler.median_since(idle_start)
            account_cpu()
        finally:
            await browser.close()
            if hostile is not browser:
                await hostile.close()

    figures["bystander_latencies"] = latencies
    figures["sessions"] = {
        s.name: {"exceptions": s.exceptions, "errors": s.errors, "timings": s.timings} for s in everyone
    }
    return figures


def run(
    sessions: int = 10,
    kernels: int = 48,
    uploads: int = 30,
    pngs: int = 2,
    bystanders: int = 2,
    separate_contexts: bool = False,
    workers_nice: int = 10,
    guest_shares: int = 128,
) -> dict:
    """The whole hostile classroom against a fresh server; returns the figures (see `report`)."""
    bystanders = min(bystanders, max(1, sessions - 2))
    if sessions - bystanders < pngs:
        raise ValueError("need at least as many working sessions as 88 MP PNGs")
    start = time.monotonic()
    made: dict = {}
    with tempfile.TemporaryDirectory(prefix="classroom-") as tmp:
        maker = threading.Thread(target=lambda: made.update(p=make_payloads(uploads, pngs, Path(tmp))))
        maker.start()  # while the server starts
        log, runs_log = Path(tmp) / "server.log", Path(tmp) / "runs.log"
        proc, url = start_server(log, runs_log)
        guests = join_guest_cgroup(guest_shares)  # after the server started: it stays where it was
        sampler = Sampler(proc.pid)
        sampler.start()
        try:
            figures = {"rss_after_start_mb": rss_mb(proc.pid), "guests": guests}
            maker.join()
            payloads = made["p"]
            kernel_list = make_kernels(kernels)
            figures |= asyncio.run(
                _drive(url, sampler, payloads, kernel_list, sessions, bystanders, separate_contexts, workers_nice)
            )
        except BaseException:
            print(f"[classroom] server log:\n{log.read_text(errors='replace')[-6000:]}", file=sys.stderr)
            raise
        finally:
            sampler.stop()
            stop_server(proc)
            server_log = log.read_text(errors="replace")
            server_runs = rerun_log.read(str(runs_log)) if runs_log.exists() else []
    labelled = figures.pop("bystander_latencies")
    latencies = [seconds for _, seconds, _ in labelled]
    by_phase: dict[str, list[float]] = {}
    for label, seconds, _ in labelled:
        by_phase.setdefault(label, []).append(seconds)
    phases = ["startup", "open", "baseline", "uploads", "kernels", "pngs", "cool-down", "closed"]
    figures.update(
        sessions_count=sessions,
        separate_contexts=separate_contexts,
        workers_nice=workers_nice,
        bystanders=bystanders,
        kernels=kernels,
        uploads=uploads,
        jpeg_sizes_mb=[round(min(n for _, _, n in payloads.jpegs) / 2**20, 2)]
        + [round(max(n for _, _, n in payloads.jpegs) / 2**20, 2)],
        png_sizes_kb=[round(n / 1024) for _, n in payloads.pngs],
        rss_peak_mb=sampler.peak(),
        rss_peak_by_phase_mb={p: sampler.peak(p) for p in phases if any(s[1] == p for s in sampler.samples)},
        rss_samples=len(sampler.samples),
        bystander_reruns=len(latencies),
        bystander_latency_s=latency_stats(latencies),
        bystander_latency_by_phase_s={label: latency_stats(values) for label, values in by_phase.items()},
        bystander_parts_s=rerun_parts(labelled),
        bystander_server_s=server_parts(labelled, server_runs, bystanders),
        exception_boxes=sum(s["exceptions"] for s in figures["sessions"].values()),
        unexpected_errors=[e for s in figures["sessions"].values() for e in s["errors"] if "megapixels" not in e],
        server_log_tracebacks=server_log.count("Traceback"),
        server_log_tail=server_log[-3000:],
        total_s=time.monotonic() - start,
    )
    return figures


def report(f: dict) -> str:
    """The figures as a table."""
    lat = f["bystander_latency_s"]
    rows = [
        ("sessions (bystanders)", f"{f['sessions_count']} ({f['bystanders']})"),
        (
            "the other sessions' browser",
            f"idle class, nice {f['workers_nice']}" if f["workers_nice"] else "the bystanders' one",
        ),
        ("the browsers and the driver ran", f.get("guests", "beside the server (no cgroup)")),
        (
            "work",
            f"{f['uploads']} JPEG uploads, {f['kernels']} kernels at 1024 px per-channel, "
            f"{len(f['png_messages'])} × 88 MP PNG",
        ),
        ("JPEG sizes", f"{f['jpeg_sizes_mb'][0]}–{f['jpeg_sizes_mb'][1]} MiB"),
        ("PNG sizes", ", ".join(f"{k} KiB" for k in f["png_sizes_kb"])),
        ("URL ?size=1024&mode=per_channel applied", str(f["url_params_applied"])),
        ("RSS after start", f"{f['rss_after_start_mb']:.0f} MB"),
        ("RSS idle before (after one visit)", f"{f['rss_idle_before_mb']:.0f} MB"),
        ("RSS peak", f"{f['rss_peak_mb']:.0f} MB"),
    ]
    rows += [(f"  peak during {p}", f"{mb:.0f} MB") for p, mb in f["rss_peak_by_phase_mb"].items()]
    rows += [
        ("RSS idle after, sessions open", f"{f['rss_idle_after_sessions_open_mb']:.0f} MB"),
        ("RSS idle after, sessions closed", f"{f['rss_idle_after_sessions_closed_mb']:.0f} MB"),
        ("bystander reruns", str(f["bystander_reruns"])),
        (
            "bystander latency median / p90 / max",
            f"{lat['median'] * 1000:.0f} / {lat['p90'] * 1000:.0f} / {lat['max'] * 1000:.0f} ms",
        ),
    ]
    for p, st in f["bystander_latency_by_phase_s"].items():
        rows.append(
            (
                f"  during {p} (n={st['n']})",
                f"{st['median'] * 1000:.0f} / {st['p90'] * 1000:.0f} / {st['max'] * 1000:.0f} ms",
            )
        )
    timings: dict[str, list[float]] = {}
    for s in f["sessions"].values():
        for what, values in s["timings"].items():
            timings.setdefault(what, []).extend(values)
    for what, values in timings.items():
        rows.append(
            (f"{what} time median / max (n={len(values)})", f"{statistics.median(values):.1f} / {max(values):.1f} s")
        )
    rows += [
        ("exception boxes", str(f["exception_boxes"])),
        ("unexpected error messages", str(len(f["unexpected_errors"]))),
        ("88 MP PNG messages say 'megapixels'", str(all("megapixels" in m for m in f["png_messages"]))),
        ("tracebacks in the server log", str(f["server_log_tracebacks"])),
        ("total time", f"{f['total_s']:.0f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    table = "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
    return "\n\n".join(
        [
            table,
            parts_report(f.get("bystander_parts_s", {})),
            server_report(f.get("bystander_server_s", {})),
            cpu_report(f.get("cpu_by_phase_s", {})),
        ]
    )


def server_report(parts: dict) -> str:
    """The bystanders' reruns as the server saw them (median / max, ms)."""
    names = ("request read", "wait to start", "script", "script CPU", "script queued", "server total")
    lines = [
        "Bystander reruns on the server (median / max, ms; script queued = its thread waiting for a core;"
        " server total = page sent -> script stopped):"
    ]
    lines.append(f"{'reruns':<10}{'n':>5}" + "".join(f"{n:>20}" for n in names))
    for which, row in parts.items():
        if row.get("n"):
            cells = (f"{row[n]['median'] * 1000:.0f} / {row[n]['max'] * 1000:.0f}" for n in names)
            lines.append(f"{which:<10}{row['n']:>5}" + "".join(f"{c:>20}" for c in cells))
    return "\n".join(lines)


def parts_report(parts: dict[str, dict[str, float]]) -> str:
    """The bystanders' reruns split by their WebSocket messages (medians, ms)."""
    names = ("key to request", "request to first answer", "first to last answer", "last answer to drawn")
    lines = ["Bystander reruns split by the page's WebSocket messages (medians, ms):"]
    lines.append(f"{'reruns':<10}{'n':>5}" + "".join(f"{n:>26}" for n in names))
    for which, row in parts.items():
        if row.get("n"):
            lines.append(f"{which:<10}{row['n']:>5}" + "".join(f"{row[n] * 1000:>26.0f}" for n in names))
    return "\n".join(lines)


def cpu_report(by_phase: dict[str, dict[str, float]]) -> str:
    """Where the two cores went in each phase: CPU seconds per group, beside the phase's length."""
    short = ("srv", "srv low", "browser", "browser idle", "driver", "other")
    lines = [
        "CPU seconds by phase (two cores give 2 s a second): "
        + ", ".join(f"{s} = {g}" for s, g in zip(short, CPU_GROUPS, strict=True))
    ]
    lines.append(f"{'phase':<10}{'wall':>7}" + "".join(f"{s:>14}" for s in short))
    for phase, used in by_phase.items():
        lines.append(f"{phase:<10}{used['wall']:>7.1f}" + "".join(f"{used[g]:>14.1f}" for g in CPU_GROUPS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--kernels", type=int, default=48)
    parser.add_argument("--uploads", type=int, default=30)
    parser.add_argument("--pngs", type=int, default=2)
    parser.add_argument("--bystanders", type=int, default=2)
    parser.add_argument(
        "--separate-contexts", action="store_true", help="a browser context per session (slower to load)"
    )
    parser.add_argument(
        "--workers-nice",
        type=int,
        default=10,
        help="run the hostile sessions' browser at this lower CPU priority, as if on the students' own "
        "machines (0: one browser for everyone, at the server's priority)",
    )
    parser.add_argument(
        "--guest-shares",
        type=int,
        default=128,
        help="CPU weight of the cgroup the browsers and the driver run in (cgroup v1, as root), against 1024 "
        "for each server thread: in a class they run on the students' devices (0: no cgroup, all alike)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    figures = run(
        args.sessions,
        args.kernels,
        args.uploads,
        args.pngs,
        args.bystanders,
        args.separate_contexts,
        args.workers_nice,
        args.guest_shares,
    )
    print(report(figures))
    for message in figures["png_messages"]:
        print(f"88 MP PNG message: {message}")
    for message in figures["unexpected_errors"]:
        print(f"UNEXPECTED error message: {message}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
