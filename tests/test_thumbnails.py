import base64
import io
import re

import numpy as np
from PIL import Image

from viz.render import diverging
from viz.thumbnails import PAGE_SIZE, cells_html, channel_thumbnails, thumbnail_rem


def _pictures(page: str) -> list[np.ndarray]:
    return [
        np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
        for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    ]


def test_each_channel_travels_at_its_own_size_numbered_on_the_layer_scale():
    maps = np.zeros((40, 5, 7), np.float32)
    maps[3, 1, 2] = 2.0
    maps[20, 0, 0] = -1.0
    page, shown = channel_thumbnails(maps, limit=2.0, first=0, count=PAGE_SIZE)
    pictures = _pictures(page)
    assert shown == PAGE_SIZE == len(pictures)
    assert re.findall(r"<figcaption[^>]*>(#\d+)</figcaption>", page) == [f"#{i}" for i in range(PAGE_SIZE)]
    assert all(p.shape == (5, 7, 3) for p in pictures)  # one pixel per cell; the browser enlarges
    assert tuple(pictures[3][1, 2]) == tuple(diverging(np.array([[2.0]]), 2.0)[0, 0])  # full red at +limit
    assert tuple(pictures[0][0, 0]) == tuple(diverging(np.array([[0.0]]), 2.0)[0, 0])  # white at 0


def test_the_rest_of_a_wide_layer_is_shown_on_asking():
    maps = np.random.default_rng(0).normal(size=(40, 4, 4)).astype(np.float32)
    page, shown = channel_thumbnails(maps, limit=1.0, first=0, count=None)
    assert shown == 40 and "#39" in page and len(_pictures(page)) == 40


def test_thumbnails_are_large_for_few_channels_and_never_tiny():
    assert thumbnail_rem(6, 28) > thumbnail_rem(16, 28) > thumbnail_rem(96, 32) >= 4.5
    assert thumbnail_rem(16, 4) <= 3.0  # a 4×4 map is not blown up to a 96 px square


def test_output_cells_carry_class_names_values_and_the_winner():
    page = cells_html(np.array([1.5, -0.25, 3.0]), ["cat", "dog", "<ship>"], limit=3.0, winner=2)
    assert [t for t in re.findall(r">([^<>]+)</div>", page)] == ["1.5", "cat", "−0.25", "dog", "3", "&lt;ship&gt;"]
    assert page.count("outline:3px") == 1 and page.index("outline:3px") > page.index("dog")
