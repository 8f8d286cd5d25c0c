"""The linked maps in a real browser: hover, pin and play happen in the page, on the lesson's numbers."""

from __future__ import annotations

import re

import numpy as np
from playwright.sync_api import expect

from tests.e2e.helpers import main_text, settle
from tests.lesson_examples import ROHRER_MAP_1

LESSON = "/?sample=x_lesson&filter=xo_lesson&normalized=1&ceil=1"  # 9×9 X, 3×3 features → 7×7, pooled 4×4


def _open(page, server, link: str = LESSON):
    page.goto(server["url"] + link)
    page.wait_for_selector(".cs-linked .cs-map .cs-frame")
    settle(page, 1000)
    frame = page.locator(".cs-map .cs-frame")
    frame.scroll_into_view_if_needed()
    return frame


def _point(page, locator, row: int, col: int, rows: int, cols: int) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + (col + 0.5) * box["width"] / cols, box["y"] + (row + 0.5) * box["height"] / rows


def _cells_under(box_locator, frame_locator, rows: int, cols: int) -> tuple[int, int, int, int]:
    """(top, left, height, width) in cells of a drawn box, from where it is on screen."""
    b, f = box_locator.bounding_box(), frame_locator.bounding_box()
    cell_h, cell_w = f["height"] / rows, f["width"] / cols
    top, left = round((b["y"] - f["y"]) / cell_h), round((b["x"] - f["x"]) / cell_w)
    return top, left, round(b["height"] / cell_h), round(b["width"] / cell_w)


def test_hover_shows_the_value_the_patch_and_the_pooling_cell(page, server):
    frame = _open(page, server)
    page.mouse.move(*_point(page, frame, 4, 2, 7, 7))
    readout = page.locator(".cs-readout")
    expect(readout).to_have_attribute("data-kind", "hover")
    # Rohrer's first map at (4, 2) is 1/9, printed 0.11; 2×2 pooling at stride 2 puts it in pooled cell (2, 1)
    assert abs(ROHRER_MAP_1[4][2] - 1 / 9) < 0.01
    assert readout.inner_text().startswith("Row 4, column 2: 0.1111")
    assert "input rows 4–6, columns 2–4" in readout.inner_text()
    assert "row 2, column 1" in readout.inner_text()
    patch = page.locator(".cs-input .cs-hover")
    assert _cells_under(patch, page.locator(".cs-input .cs-frame"), 9, 9) == (4, 2, 3, 3)
    pooled = page.locator(".cs-pooled .cs-hover")
    assert _cells_under(pooled, page.locator(".cs-pooled .cs-frame"), 4, 4) == (2, 1, 1, 1)
    # every cell of a 7×7 map writes its value: the 49 numbers, as the lesson prints them (ninths)
    numbers = page.locator(".cs-map .cs-numbers span").all_inner_texts()
    assert len(numbers) == 49
    shown = np.array([float(t.replace("−", "-")) for t in numbers]).reshape(7, 7)
    assert np.array_equal(np.round(shown * 9), np.round(np.array(ROHRER_MAP_1) * 9))


def test_a_click_pins_the_cell_and_the_tables_follow(page, server):
    frame = _open(page, server)
    for row, col in ((5, 3), (2, 4), (6, 0)):  # the marker never lags a click behind
        page.mouse.click(*_point(page, frame, row, col, 7, 7))
        page.wait_for_function(
            "t => document.querySelector('[data-testid=\"stMain\"]').innerText.includes(t)",
            arg=f"Feature map at row {row}, column {col}:",
        )
        settle(page, 300)
        pin = page.locator(".cs-map .cs-pin")
        assert _cells_under(pin, page.locator(".cs-map .cs-frame"), 7, 7)[:2] == (row, col)
        assert page.locator(".cs-input .cs-pin").count() == 1
        assert _cells_under(page.locator(".cs-input .cs-pin"), page.locator(".cs-input .cs-frame"), 9, 9) == (
            row,
            col,
            3,
            3,
        )
    assert f"row={6}" in page.url and "col=0" in page.url  # the pinned pixel is in the link


def test_play_slides_the_kernel_to_the_last_cell(page, server):
    _open(page, server)
    controls = page.locator(".cs-play")
    controls.get_by_role("button", name="Back to the start").click()
    assert controls.locator(".cs-count").inner_text() == "0 / 49"
    assert page.locator(".cs-map .cs-cover .cs-hidden").count() == 49
    controls.get_by_role("button", name="One cell forward").click()
    assert controls.locator(".cs-count").inner_text() == "1 / 49"
    assert page.locator(".cs-map .cs-cover .cs-hidden").count() == 48
    patch = page.locator(".cs-input .cs-hover")
    assert _cells_under(patch, page.locator(".cs-input .cs-frame"), 9, 9) == (0, 0, 3, 3)
    controls.locator("select").select_option("fast")
    controls.get_by_role("button", name=re.compile("Play")).click()
    expect(controls.locator(".cs-count")).to_have_text("49 / 49", timeout=30_000)
    assert page.locator(".cs-map .cs-cover .cs-hidden").count() == 0
    assert _cells_under(patch, page.locator(".cs-input .cs-frame"), 9, 9) == (6, 6, 3, 3)  # the last window
    assert "Play" in controls.locator(".cs-toggle").inner_text()  # it stopped by itself
    assert "Traceback" not in main_text(page)


def test_the_browser_colours_a_map_exactly_as_the_server_would(page, server):
    from viz.images import to_channels
    from viz.pipeline import panel_pictures
    from viz.render import diverging
    from viz.samples import load_sample
    from viz.view import run_view, view_from_link

    link = "?sample=astronaut&filter=sobel_vertical"
    _open(page, server, "/" + link)
    drawn = page.locator(".cs-map canvas").evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)"
    )
    view = view_from_link({k: [v] for k, v in (p.split("=") for p in link[1:].split("&"))})
    result = run_view(view, to_channels(load_sample(view.sample, view.size), grayscale=True))
    expected = diverging(result.feature[0], panel_pictures(result).limit)
    drawn = np.array(drawn, np.uint8).reshape(*expected.shape[:2], 4)
    assert (drawn[..., 3] == 255).all()
    np.testing.assert_array_equal(drawn[..., :3], expected)
