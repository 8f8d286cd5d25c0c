"""How fast ConvScope answers in a real browser: input event → new pixels on the screen.

    python benchmarks/browser_latency.py [--repeats 12] [--json PATH]

Starts `streamlit run app.py` (headless, localhost) and drives Debian's Chromium with Playwright, as
the end-to-end tests do. Each figure runs from the input event's own timestamp (event.timeStamp, on
the page's clock) to the moment the page shows the answer: a new panel picture decoded and loaded
(a control change), the explain tables' new sentence (a click), the hover readout (a hover), or the
first panel picture loaded (opening the page; a cold server counts from `streamlit run`).
Prints the median and p90 of each, beside its budget. Not a test: figures on a busy machine vary.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server  # noqa: E402
from tests.e2e.helpers import settle  # noqa: E402

# (median, p90) in ms
BUDGETS = {
    "control": (150, 300),
    "hover": (50, 50),
    "click": (150, 300),
    "open_warm": (2000, 2000),
    "open_cold": (3000, 3000),
}

# Records the last input event's timestamp and waits (MutationObserver, load events) for a condition.
PROBE = """
() => {
  if (window.__cs) return;
  window.__cs = { last: 0 };
  for (const type of ["pointerdown", "keydown", "pointermove"])
    document.addEventListener(type, (e) => { window.__cs.last = e.timeStamp; window.__cs.type = type; }, true);
  const hosts = () => [...document.querySelectorAll("*")].filter((e) => e.shadowRoot).map((e) => e.shadowRoot);
  window.__cs.q = (sel) => { for (const r of [document, ...hosts()]) { const f = r.querySelector(sel); if (f) return f; } return null; };
  window.__cs.images = () => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stImage"] img, [data-testid="stMain"] [data-testid="stImageContainer"] img')];
  window.__cs.until = (check) => new Promise((resolve) => {
    const done = () => { try { if (check()) { obs.disconnect(); document.removeEventListener("load", done, true); resolve(performance.now()); } } catch (e) {} };
    const obs = new MutationObserver(done);
    obs.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    document.addEventListener("load", done, true);
    const poll = () => { done(); requestAnimationFrame(poll); };
    requestAnimationFrame(poll);
    setTimeout(() => { obs.disconnect(); resolve(NaN); }, 15000);  // never met: counted as missing
  });
}
"""

NEW_PICTURE = """
() => {
  const before = new Set(window.__cs.images().map((i) => i.src));
  window.__cs.wait = window.__cs.until(() => window.__cs.images().some(
    (i) => !before.has(i.src) && i.complete && i.naturalWidth > 0));
}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(page: Page, arm: str, act, arg=None) -> float:
    """ms from the input event that `act` makes to the condition `arm` set up."""
    page.evaluate(PROBE)
    page.evaluate(arm, arg) if arg is not None else page.evaluate(arm)
    act()
    end = page.evaluate("() => window.__cs.wait")
    start = page.evaluate("() => window.__cs.last")
    return end - start


def slider(page: Page, label: str, right_first: bool = True):
    handle = page.locator('[data-testid="stSlider"]').filter(has_text=label).first.get_by_role("slider")
    state = {"right": right_first}

    def act():
        handle.focus()
        handle.press("ArrowRight" if state["right"] else "ArrowLeft")
        state["right"] = not state["right"]

    return act


def radio(page: Page, a: str, b: str):
    state = {"next": a}

    def act():
        page.locator('[data-testid="stRadio"] label').filter(has_text=state["next"]).first.click()
        state["next"] = b if state["next"] == a else a

    return act


def preset(page: Page, a: str, b: str):
    state = {"next": a}
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Preset").first

    def open_list():
        box.get_by_role("combobox").click()
        page.get_by_role("option", name=state["next"], exact=True).first.wait_for()

    def act():
        page.get_by_role("option", name=state["next"], exact=True).first.click()
        state["next"] = b if state["next"] == a else a

    return open_list, act


def kernel_edit(page: Page):
    editor = page.locator('[data-testid="stTextArea"] textarea').first
    state = {"i": 0}

    def prepare():
        state["i"] += 1
        editor.fill(f"-1 0 1\n-2 {state['i'] % 5} 2\n-1 0 1")

    def act():
        editor.press("Control+Enter")

    return prepare, act


def measure_page(page: Page, url: str, repeats: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}

    def run(name, arm, act, prepare=None, arg=None):
        out[name] = []
        for i in range(repeats + 2):  # the first two warm the caches and are not counted
            settle(page, 400)
            if prepare:
                prepare()
            ms = timed(page, arm, act, arg)
            if i >= 2:
                out[name].append(ms)
        print(f"  {name}: {', '.join(f'{v:.0f}' for v in out[name])} ms", file=sys.stderr, flush=True)
        settle(page, 400)

    page.goto(url + "/?sample=astronaut")  # a 512×512 photo at working size 512
    page.wait_for_selector(".cs-linked")
    settle(page, 1500)
    run("stride", NEW_PICTURE, slider(page, "Stride"))
    open_list, act = preset(page, "Edges · Sobel: horizontal edges", "Edges · Sobel: vertical edges")
    run("filter preset", NEW_PICTURE, act, prepare=open_list)
    prepare, act = kernel_edit(page)
    run("kernel edit", NEW_PICTURE, act, prepare=prepare)
    run("pooling change", NEW_PICTURE, radio(page, "average", "max"))
    run("working size", NEW_PICTURE, slider(page, "Working size", right_first=False))  # 512 → 496 → 512

    frame = page.locator(".cs-map .cs-frame")
    frame.scroll_into_view_if_needed()
    settle(page, 500)
    cells = iter([(0.1 + 0.8 * ((i * 37) % 100) / 100, 0.1 + 0.8 * ((i * 61) % 100) / 100) for i in range(1000)])

    def next_point() -> tuple[float, float]:
        box = frame.bounding_box()
        fx, fy = next(cells)
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    def click():
        page.mouse.click(*next_point())

    run(
        "click on the map",
        """() => { const before = document.querySelector('[data-testid="stMain"]').innerText.match(/Feature map at row \\d+, column \\d+/)?.[0];
           window.__cs.wait = window.__cs.until(() => { const m = document.querySelector('[data-testid="stMain"]').innerText.match(/Feature map at row \\d+, column \\d+/); return m && m[0] !== before; }); }""",
        click,
    )

    def hover():
        page.mouse.move(*next_point())

    run(
        "hover",
        """() => { const r = window.__cs.q('.cs-readout'); const before = r.textContent;
           window.__cs.wait = window.__cs.until(() => r.isConnected && r.textContent !== before && r.dataset.kind === 'hover'); }""",
        hover,
    )
    return out


FIRST_PICTURE = """() => new Promise((resolve) => {
  const check = () => { const imgs = [...document.querySelectorAll('[data-testid="stMain"] img')];
    if (imgs.some((i) => i.complete && i.naturalWidth > 0)) resolve(performance.now()); else requestAnimationFrame(check); };
  check(); })"""


def open_page(browser, url: str) -> float:
    """ms from navigation start to the first panel picture loaded."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(url + "/", wait_until="commit")
    ms = page.evaluate(FIRST_PICTURE)
    context.close()
    return ms


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    figures: dict[str, list[float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        cold = []
        for _ in range(3):  # from `streamlit run` to the first panel, each time a fresh server
            began = time.perf_counter()
            proc, url = start_server()
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(url + "/", wait_until="commit")
            page.evaluate(FIRST_PICTURE)
            cold.append((time.perf_counter() - began) * 1000)
            context.close()
            stop_server(proc)
        figures["open the page, cold server (from streamlit run)"] = cold
        proc, url = start_server()
        try:
            open_page(browser, url)  # the server's first session warms it
            figures["open the page, warm server"] = [open_page(browser, url) for _ in range(args.repeats)]
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.set_default_timeout(60_000)
            figures.update(measure_page(page, url, args.repeats))
            context.close()
        finally:
            stop_server(proc)
        browser.close()

    kinds = {
        "open the page, cold server (from streamlit run)": "open_cold",
        "open the page, warm server": "open_warm",
        "click on the map": "click",
        "hover": "hover",
    }
    print(
        f"ConvScope in Chromium, input event → pixels on screen, {args.repeats} repeats (2 CPU cores, astronaut at 512 px)"
    )
    print(f"{'interaction':<50}{'median':>8}{'p90':>8}   budget (median / p90)")
    rows = {}
    for name, values in figures.items():
        med, p90 = statistics.median(values), percentile(values, 0.9)
        budget = BUDGETS[kinds.get(name, "control")]
        verdict = "ok" if med <= budget[0] and p90 <= budget[1] else "OVER"
        print(f"{name:<50}{med:>8.0f}{p90:>8.0f}   {budget[0]} / {budget[1]} ms  {verdict}")
        rows[name] = {"median_ms": med, "p90_ms": p90, "budget_ms": budget, "runs_ms": values}
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
