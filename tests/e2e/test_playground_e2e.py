"""The playground in a real browser: upload, change settings, click a pixel."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.e2e.helpers import (
    choose_radio,
    choose_select,
    main_text,
    nudge_slider,
    open_app,
    panel_shapes,
    settle,
    wait_for_text,
)


def png(width: int, height: int, seed: int = 0) -> bytes:
    rgb = np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def upload(page, name: str, data: bytes, mime: str = "image/png") -> None:
    choose_radio(page, "Upload")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )
    settle(page, 1500)


def test_both_pages_load(page, server):
    open_app(page, server["url"])
    assert panel_shapes(page) == ["300×451 grayscale", "298×449", "298×449", "149×224"]
    page.get_by_role("link", name="Inside the CNN").click()
    settle(page, 2000)
    assert "It says:" in main_text(page)


def test_upload_a_real_image_file(page, server):
    open_app(page, server["url"])
    upload(page, "photo.png", png(120, 90))
    wait_for_text(page, "90×120 grayscale")
    assert panel_shapes(page)[:2] == ["90×120 grayscale", "88×118"]


def test_filter_padding_and_pooling_change_the_shapes(page, server):
    open_app(page, server["url"])
    choose_select(page, "Preset", "Blur and sharpen · Gaussian blur (5×5)")
    wait_for_text(page, "296×447")
    assert panel_shapes(page)[1] == "296×447"
    choose_radio(page, "same")
    wait_for_text(page, "P = 2")
    assert panel_shapes(page)[1] == "300×451"
    nudge_slider(page, "Window", 1)
    wait_for_text(page, "3×3 window")
    nudge_slider(page, "Pool stride", 1)
    wait_for_text(page, "stride 3:")
    assert panel_shapes(page)[3] == "100×150"
    assert "⌊(451 − 5 + 2·2) / 1⌋ + 1 = 451" in main_text(page)


def test_clicking_the_feature_map_explains_that_pixel(page, server):
    open_app(page, server["url"])
    image = page.locator(".cs-map .cs-frame")
    image.wait_for()
    box = image.bounding_box()
    image.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.5})
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stMain\"]').innerText.includes('until you pick a pixel')"
    )
    settle(page)
    row, col = round(298 * 0.5), round(449 * 0.25)
    text = main_text(page)
    match = re.search(r"Feature map at row (\d+), column (\d+)", text)
    assert match, text[-2000:]
    assert abs(int(match.group(1)) - row) <= 2 and abs(int(match.group(2)) - col) <= 2
    assert "ReLU" in text and "Pooling" in text


def test_a_custom_kernel_with_a_word_in_it(page, server):
    open_app(page, server["url"])
    editor = page.locator('[data-testid="stTextArea"] textarea').first
    editor.fill("1 0 -1\n2 two -2\n1 0 -1")
    editor.press("Control+Enter")
    wait_for_text(page, "which is not a number")
    assert "which is not a number" in page.locator('[data-testid="stAlert"]').first.inner_text()


def test_a_shared_link_opens_the_same_view(page, server):
    page.goto(f"{server['url']}/?sample=x_lesson&filter=xo_cross&normalized=1&stride=1&pool=max&window=2")
    page.wait_for_selector('[data-testid="stMain"]')
    settle(page, 1500)
    assert panel_shapes(page)[:2] == ["9×9 grayscale", "7×7"]
    assert "X/O: crossing" in main_text(page)


def _marker_cells(page, rows: int, cols: int) -> tuple[float, float, float, float]:
    """The rows and columns the yellow marker covers on the clickable map (top, bottom, left, right,
    in map cells), read from the pixels of a screenshot (not from the component's own attributes)."""
    import io as _io

    from PIL import Image as _Image

    image = page.locator(".cs-map .cs-frame")
    shot = np.asarray(_Image.open(_io.BytesIO(image.screenshot())).convert("RGB")).astype(int)
    yellow = (shot[..., 0] > 220) & (np.abs(shot[..., 1] - 200) < 40) & (shot[..., 2] < 80)
    ys, xs = np.nonzero(yellow)
    assert len(xs), "no marker drawn"
    assert xs.max() - xs.min() < 16 and ys.max() - ys.min() < 16  # a marker, not a smear
    to_row, to_col = rows / shot.shape[0], cols / shot.shape[1]
    return ys.min() * to_row, (ys.max() + 1) * to_row, xs.min() * to_col, (xs.max() + 1) * to_col


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_the_far_right_of_the_map_can_be_clicked_and_the_marker_follows(browser, server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        open_app(page, server["url"])
        image = page.locator(".cs-map .cs-frame")
        image.scroll_into_view_if_needed()
        for fx, fy in ((0.995, 0.5), (0.1, 0.9), (0.6, 0.2)):
            box = image.bounding_box()
            before = re.search(r"Feature map at row (\d+), column (\d+)", main_text(page)).group(0)
            image.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
            page.wait_for_function(
                "t => !document.querySelector('[data-testid=\"stMain\"]').innerText.includes(t)", arg=before
            )
            settle(page)
            said = re.search(r"Feature map at row (\d+), column (\d+)", main_text(page))
            said_row, said_col = int(said.group(1)), int(said.group(2))
            # a click lands on a whole pixel: as precise as the cells one screen pixel covers, plus one
            slack_r, slack_c = 1 + 298 / box["height"], 1 + 449 / box["width"]
            assert abs(said_row - 298 * fy) <= slack_r and abs(said_col - 449 * fx) <= slack_c, (said_row, said_col)
            top, bottom, left, right = _marker_cells(page, 298, 449)  # on the explained cell, not the previous one
            assert top <= said_row + 0.5 <= bottom and left <= said_col + 0.5 <= right, (top, left, said_row, said_col)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_the_last_column_of_a_1024_px_photos_map_can_be_clicked(browser, server, width, height):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(server["url"] + "/?size=1024")
        page.wait_for_selector('[data-testid="stMain"] h1')
        settle(page, 1500)
        upload(page, "photo.png", png(1024, 768, seed=3))  # from the sidebar, open at this width
        wait_for_text(page, "768×1024 grayscale")
        page.set_viewport_size({"width": width, "height": height})
        settle(page)
        image = page.locator(".cs-map .cs-frame")
        image.scroll_into_view_if_needed()
        # At 1× a screen pixel covers several of the 1022 columns: zoom in (the map scrolls in its panel)
        for _ in range(3):
            page.get_by_role("button", name="Zoom in").click()
        assert page.locator(".cs-zoom-label").inner_text() == "Zoom 8×"
        box = image.bounding_box()
        image.click(position={"x": box["width"] - 1, "y": box["height"] * 0.5})
        wait_for_text(page, ", column 1021:")
        row = int(re.search(r"Feature map at row (\d+), column 1021:", main_text(page)).group(1))
        assert abs(row - 383) <= 1
        page.get_by_role("button", name="Zoom out").click()  # back to 4×: the pinned cell stays in view
        shown = page.locator(".cs-map .cs-scroll").bounding_box()
        pin = page.locator(".cs-map .cs-pin").bounding_box()
        assert shown["x"] <= pin["x"] + pin["width"] / 2 <= shown["x"] + shown["width"]
        page.get_by_role("button", name="Zoom out").click()
        page.get_by_role("button", name="Zoom out").click()
        top, bottom, left, right = _marker_cells(page, 766, 1022)  # at 1×, from the pixels
        assert top <= row + 0.5 <= bottom and left <= 1021.5 <= right
        # the keyboard reaches every cell too
        image.focus()
        page.keyboard.press("Home")
        wait_for_text(page, f"Feature map at row {row}, column 0:")
        page.keyboard.press("Shift+ArrowDown")
        wait_for_text(page, f"Feature map at row {row + 10}, column 0:")
    finally:
        context.close()
