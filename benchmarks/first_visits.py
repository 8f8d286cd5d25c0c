"""First visits, straight to a replica and through deploy/nginx.conf: how long, and what they cost the replica.

    python benchmarks/first_visits.py [--visits 8] [--class-size 30] [--json PATH]

A lesson starts with thirty first visits at once, each fetching ~110 of Streamlit's own static files
(JavaScript, CSS, fonts; ~3.5 MB) before the page can draw. Starts one `streamlit run app.py` replica
and nginx in front of it (a copy of deploy/nginx.conf with this run's ports and paths, as the proxy's
browser test makes it), then measures, straight to the replica and through nginx:

* a first visit in Chromium (a fresh browser context each time, so nothing is in the browser's cache):
  milliseconds to the first panel picture loaded, bytes received, and the replica's CPU seconds;
* a class's first visits at once: the static files of one first visit fetched --class-size times
  concurrently (six connections per visitor, as a browser opens): wall time and the replica's CPU,
  while a student already in the page keeps moving the Stride slider (ms from the key press to the
  feature map's new picture loaded).

Through nginx, each static file is fetched from the replica once and then served from nginx's cache,
gzip-compressed. Prints a table; --json writes the figures. Not a test: figures on a busy machine vary.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from browser_latency import FIRST_PICTURE  # noqa: E402  (benchmarks/, beside this file)
from classroom import process_cpu_seconds  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port, start_server, stop_server  # noqa: E402
from tests.e2e.test_proxy_e2e import NGINX, nginx_config, wait_healthy  # noqa: E402

RECEIVED = "() => performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, 0)"
STATIC_URLS = "() => performance.getEntriesByType('resource').map(r => r.name).filter(n => n.includes('/static/'))"


def first_visit(browser, url: str, pid: int) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    before = process_cpu_seconds(pid)
    page.goto(url + "/", wait_until="commit")
    ms = page.evaluate(FIRST_PICTURE)
    page.wait_for_timeout(1500)  # the page's last requests and the script's run, counted in the CPU
    figures = {
        "ms": ms,
        "received_kb": page.evaluate(RECEIVED) / 1024,
        "replica_cpu_s": process_cpu_seconds(pid) - before,
    }
    context.close()
    return figures


# Resolves with the ms from the next keydown to the feature map's new picture loaded (a bystander's rerun).
ARM_RERUN = r"""() => {
  const pictures = () => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stImage"] img')];
  const before = pictures()[1]?.src;
  let t0 = null;
  document.addEventListener('keydown', (e) => { t0 = e.timeStamp; }, {capture: true, once: true});
  window.__rerun = new Promise((resolve) => {
    const check = () => {
      const now = pictures()[1];
      if (t0 !== null && now && now.src !== before && now.complete && now.naturalWidth > 0) resolve(performance.now() - t0);
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}"""


def stride_rerun(page, right: bool) -> float:
    """Move the Stride slider one step right or left; ms from the key press to the new feature map loaded."""
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Stride").first.get_by_role("slider")
    slider.focus()
    page.evaluate(ARM_RERUN)
    slider.press("ArrowRight" if right else "ArrowLeft")
    return page.evaluate("window.__rerun")


def bystander_while(page, busy: threading.Thread) -> list[float]:
    """Move the Stride slider between 1 and 2 until `busy` has finished; ms of each rerun, in the page."""
    times = []
    busy.start()
    while busy.is_alive():
        times.append(stride_rerun(page, right=len(times) % 2 == 0))
        page.wait_for_timeout(100)
    busy.join()
    return times


def class_at_once(paths: list[str], url: str, pid: int, visitors: int) -> dict[str, float]:
    """Every visitor fetches every static file (gzip accepted, as browsers do), six at a time."""

    def visit(_: int) -> tuple[int, int]:
        def get(path: str) -> tuple[int, int]:
            request = urllib.request.Request(url + path, headers={"Accept-Encoding": "gzip"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return len(response.read()), 0
            except urllib.error.HTTPError:  # e.g. 429 from a rate limit: counted, not fatal
                return 0, 1

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            got = list(pool.map(get, paths))
        return sum(n for n, _ in got), sum(e for _, e in got)

    before, start = process_cpu_seconds(pid), time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(visitors) as pool:
        results = list(pool.map(visit, range(visitors)))
    return {
        "wall_s": time.perf_counter() - start,
        "replica_cpu_s": process_cpu_seconds(pid) - before,
        "received_mb": sum(n for n, _ in results) / 2**20,
        "refused": sum(e for _, e in results),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=8)
    parser.add_argument("--class-size", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not (Path(NGINX).exists() or shutil.which(NGINX)):
        sys.exit(f"no nginx at {NGINX}: apt-get install nginx")

    workdir = Path(tempfile.mkdtemp(prefix="convscope-first-visits-"))
    workdir.chmod(0o755)  # readable by nginx's worker user
    proc, direct = start_server()
    nginx = None
    figures: dict = {}
    try:
        port = int(direct.rsplit(":", 1)[1])
        listen = free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_config(workdir, listen, [port]))
        with open(workdir / "nginx.out", "wb") as out:
            nginx = subprocess.Popen(
                [NGINX, "-c", str(conf), "-g", "daemon off;"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        proxied = f"http://127.0.0.1:{listen}"
        wait_healthy(proxied, nginx, workdir / "nginx.out")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context()
            page = context.new_page()
            page.goto(direct + "/")
            page.evaluate(FIRST_PICTURE)  # the server's first session: imports and caches, not counted
            paths = sorted({u.split(direct, 1)[1] for u in page.evaluate(STATIC_URLS)})
            context.close()
            first_visit(browser, proxied, proc.pid)  # fills nginx's cache, not counted
            for name, url in (("straight to the replica", direct), ("through nginx", proxied)):
                visits = [first_visit(browser, url, proc.pid) for _ in range(args.visits)]
                # a student already in the page moves a slider while the class opens it
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.goto(url + "/")
                page.evaluate(FIRST_PICTURE)
                page.wait_for_timeout(1500)
                stride_rerun(page, right=True)  # stride 2 and back: both results computed before timing
                stride_rerun(page, right=False)
                page.wait_for_timeout(300)
                many: dict = {}
                busy = threading.Thread(
                    target=lambda url=url, many=many: many.update(class_at_once(paths, url, proc.pid, args.class_size))
                )
                reruns = bystander_while(page, busy)
                context.close()
                figures[name] = {
                    "first visit": {k: statistics.median(v[k] for v in visits) for k in visits[0]}
                    | {"ms_max": max(v["ms"] for v in visits)},
                    f"{args.class_size} visitors' static files at once": many
                    | {
                        "bystander_reruns": len(reruns),
                        "bystander_median_ms": statistics.median(reruns),
                        "bystander_max_ms": max(reruns),
                    },
                }
            browser.close()
        figures["static files per visit"] = len(paths)
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.terminate()
            nginx.wait(timeout=10)
        stop_server(proc)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"{figures['static files per visit']} static files per first visit; medians of {args.visits} visits")
    print(
        f"{'':<26}{'first panel (max)':>20}{'received':>11}{'replica CPU':>13}"
        f"{f'{args.class_size} at once: wall':>22}{'replica CPU':>13}{'sent':>10}{'refused':>9}"
    )
    for name in ("straight to the replica", "through nginx"):
        one, many = figures[name]["first visit"], figures[name][f"{args.class_size} visitors' static files at once"]
        shown = f"{one['ms']:.0f} ms ({one['ms_max']:.0f})"
        print(
            f"{name:<26}{shown:>20}{one['received_kb']:>8.0f} KB"
            f"{one['replica_cpu_s']:>11.2f} s{many['wall_s']:>20.2f} s{many['replica_cpu_s']:>11.2f} s"
            f"{many['received_mb']:>7.0f} MB{many['refused']:>9}"
        )
    for name in ("straight to the replica", "through nginx"):
        many = figures[name][f"{args.class_size} visitors' static files at once"]
        print(
            f"meanwhile, a student's stride change ({name}): median {many['bystander_median_ms']:.0f} ms, "
            f"max {many['bystander_max_ms']:.0f} ms ({many['bystander_reruns']} reruns)"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
