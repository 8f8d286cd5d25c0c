"""What the linked-maps component is given: pictures, exact values, geometry."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image

from viz.render import DIVERGING_LUT
from viz.ui.linked_maps import MAX_HOVER_VALUES, MapPanel, encode_panels, ink, payload


def _panel(role: str, rows: int, cols: int, values: bool = True, painted: bool = False) -> MapPanel:
    grid = np.arange(rows * cols, dtype=np.float32).reshape(rows, cols) / 7
    picture = None if painted else np.zeros((min(rows, 520), min(cols, 520), 3), np.uint8)
    return MapPanel(role, role, picture, rows, cols, grid if values else None, limit=2.0 if painted else None)


def _data(*panels: MapPanel) -> tuple[dict, bytes]:
    """The header and the bytes after it, read by the format's own description (not by the code)."""
    sent = payload(encode_panels(list(panels)), (3, 3), (1, 1), (1, 1), (0, 0), None, (1, 2))
    n = int.from_bytes(sent[:4], "little")
    assert n % 4 == 0  # the values after it start 4-byte aligned
    return json.loads(sent[4 : 4 + n]), sent[4 + n :]


def _part(blobs: bytes, where: list) -> bytes:
    at, size = where[:2]
    return blobs[at : at + size]


def _values(blobs: bytes, spec: dict) -> np.ndarray:
    return np.frombuffer(_part(blobs, spec["values"]), dtype="<f4").reshape(spec["rows"], spec["cols"])


def test_values_travel_exactly_as_float32():
    header, blobs = _data(_panel("input", 9, 9), _panel("map", 7, 7))
    np.testing.assert_array_equal(
        _values(blobs, header["panels"][1]), np.arange(49, dtype=np.float32).reshape(7, 7) / 7
    )
    np.testing.assert_array_equal(
        _values(blobs, header["panels"][0]), np.arange(81, dtype=np.float32).reshape(9, 9) / 7
    )
    assert header["selected"] == [1, 2] and header["conv"]["kernel"] == [3, 3]


def test_small_maps_are_png_with_numbers_large_ones_jpeg_without():
    header, blobs = _data(_panel("input", 9, 9), _panel("map", 7, 7))
    small = header["panels"][1]
    image = Image.open(io.BytesIO(_part(blobs, small["picture"])))
    assert small["picture"][2] == "image/png" and image.format == "PNG" and image.size == (7, 7)
    assert len(small["ink"]) == 49 and set(small["ink"]) == {"0"}  # black cells: white numbers
    header, blobs = _data(_panel("input", 300, 300), _panel("map", 298, 298, painted=True))
    large = header["panels"][1]
    assert "picture" not in large and large["paint"] == 2.0  # the browser colours it, on ±limit
    assert _part(blobs, large["lut"]) == DIVERGING_LUT.tobytes() and "ink" not in large and "values" in large
    assert Image.open(io.BytesIO(_part(blobs, header["panels"][0]["picture"]))).format == "JPEG"
    assert "values" not in header["panels"][0]  # a photo's pixels: no numbers written, no hover on them


def test_very_large_maps_send_no_values_and_no_play():
    side = int(MAX_HOVER_VALUES**0.5) + 1
    header, _ = _data(_panel("input", side + 2, side + 2, values=False), _panel("map", side, side))
    assert "values" not in header["panels"][1] and header["play"] is False
    assert _data(_panel("input", 34, 34), _panel("map", 32, 32))[0]["play"] is True
    assert _data(_panel("input", 35, 34), _panel("map", 33, 32))[0]["play"] is False


def test_ink_is_dark_on_light_cells():
    rgb = np.array([[[255, 255, 255], [0, 0, 0], [250, 200, 0], [20, 40, 160]]], np.uint8)
    assert ink(rgb) == "1010"


def test_maps_are_painted_by_the_browser_only_when_their_values_travel_anyway():
    from viz.ui.linked_maps import map_panel

    small = map_panel("map", "m", np.zeros((7, 7), np.float32), 1.0, None)
    assert isinstance(small.picture, np.ndarray)  # numbers written in: a picture, with its ink
    medium = map_panel("map", "m", np.zeros((510, 510), np.float32), 1.0, b"page jpeg")
    assert medium.picture is None and medium.limit == 1.0 and medium.values is not None
    huge = map_panel("map", "m", np.zeros((766, 1022), np.float32), 1.0, b"page jpeg")
    assert huge.picture == b"page jpeg" and huge.values is None  # no values: the page's JPEG
