"""The network inspector in a real browser: switch networks, draw a digit."""

from __future__ import annotations

from tests.e2e.helpers import choose_radio, choose_select, main_text, settle, wait_for_text
from viz.digits import STROKES


def open_inspector(page, server) -> None:
    page.goto(f"{server['url']}/inside")
    page.wait_for_selector('[data-testid="stMain"]')
    settle(page, 2000)


def said(page) -> str:
    wait_for_text(page, "It says:")
    text = main_text(page)
    line = next(line for line in text.splitlines() if line.startswith("It says:"))
    return line.removeprefix("It says:").strip().split(" (")[0]


def test_switching_networks(page, server):
    open_inspector(page, server)
    assert said(page) in [str(d) for d in range(10)]
    choose_select(page, "Network", "TinyVGG: photos (CIFAR-10)")
    assert said(page) in ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    assert "only knows these 10 things" in main_text(page)
    choose_select(page, "Network", "xo-net: X or O?")
    assert said(page) in ("X", "O")


def test_drawing_a_digit_with_the_mouse(page, server):
    open_inspector(page, server)
    choose_radio(page, "Draw")
    # The canvas component renders in a shadow root, which Playwright's locators pierce.
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    canvas.scroll_into_view_if_needed()
    for stroke in STROKES[3]:
        box = canvas.bounding_box()  # read again: a rerun may move the sidebar
        margin, scale = box["width"] * 0.12, box["width"] * 0.76
        x0, y0 = stroke[0]
        page.mouse.move(box["x"] + margin + x0 * scale, box["y"] + margin + y0 * scale)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + margin + x * scale, box["y"] + margin + y * scale, steps=3)
        page.mouse.up()
        settle(page, 1000)  # each stroke reruns the page, as a person pauses between strokes
    # Every stroke reruns the page: wait for the one after the last stroke.
    page.wait_for_timeout(2000)
    settle(page, 2000)
    try:
        wait_for_text(page, "It says: 3", timeout_ms=30_000)
    except Exception:
        pass
    assert said(page) == "3"
