"""Train it yourself in a real browser: watch a training to the end, draw your own classes, look inside."""

from __future__ import annotations

import re

from tests.e2e.helpers import choose_radio, main_text, settle, wait_for_text


def open_training(page, server) -> None:
    page.goto(f"{server['url']}/train")
    page.wait_for_selector('[data-testid="stMain"] h1')
    settle(page, 2000)
    wait_for_text(page, "The network you designed", timeout_ms=30_000)


def test_watch_xo_train_to_the_end_then_open_it_inside(page, server):
    open_training(page, server)
    wait_for_text(page, "Random weights, not trained yet", timeout_ms=30_000)
    page.get_by_role("button", name="Train").first.click()
    wait_for_text(page, "Training: epoch", timeout_ms=20_000)
    # the live part redraws itself every second while the training runs (20 steps a second: ~16 s)
    steps = set()
    for _ in range(4):
        page.wait_for_timeout(1500)
        found = re.search(r"step (\d+) of 315", main_text(page))
        if found:
            steps.add(int(found.group(1)))
    assert len(steps) >= 3, steps
    wait_for_text(page, "Finished: 5 epochs", timeout_ms=60_000)
    accuracy = float(re.search(r"held-out accuracy ([\d.]+)%", main_text(page)).group(1))
    assert accuracy >= 95
    settle(page)
    page.get_by_role("button", name="Open in Inside the CNN").click()
    wait_for_text(page, "It says:", timeout_ms=30_000)
    assert page.url.endswith("/inside")
    assert "500 held-out examples it never saw" in page.locator('[data-testid="stSidebar"]').inner_text()  # yours
    assert "conv1" in main_text(page) and page.locator('[data-testid="stException"]').count() == 0


def _stroke(page, canvas, points) -> None:
    box = canvas.bounding_box()
    (x0, y0), rest = points[0], points[1:]
    page.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
    page.mouse.down()
    # a hand never draws a perfectly straight line (and the canvas drops a path with no width)
    for x, y in [(x0 + 0.04, y0 + 0.04), *rest]:
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=3)
    page.mouse.up()
    settle(page, 800)


def test_draw_your_own_two_classes_train_and_classify_a_new_drawing(page, server):
    open_training(page, server)
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label').filter(has_text="Your own classes").click()
    settle(page)
    names = page.get_by_label("Class names, separated by commas (2 to 5)")
    names.fill("upright, lying")
    names.press("Enter")
    settle(page)
    shapes = {
        "upright": lambda t: [(0.3 + 0.4 * t, 0.25), (0.3 + 0.4 * t, 0.85)],
        "lying": lambda t: [(0.15, 0.3 + 0.4 * t), (0.85, 0.3 + 0.4 * t)],
    }
    for name, line in shapes.items():
        choose_radio(page, name)
        for i in range(5):
            canvas = page.locator("canvas.upper-canvas").first
            canvas.wait_for()
            canvas.scroll_into_view_if_needed()
            _stroke(page, canvas, line(i / 4))
            page.get_by_role("button", name=f"Add to {name}").click()
            settle(page)
        wait_for_text(page, f"{name} · 5 examples")
    page.get_by_role("button", name="Train").first.click()
    wait_for_text(page, "Finished", timeout_ms=60_000)
    settle(page)
    canvas = page.locator("canvas.upper-canvas").last  # "Try it on a new drawing"
    canvas.scroll_into_view_if_needed()
    _stroke(page, canvas, shapes["upright"](0.5))
    wait_for_text(page, "It says: upright", timeout_ms=20_000)
