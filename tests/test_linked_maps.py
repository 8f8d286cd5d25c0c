"""What the linked-maps component is given: pictures, exact values, geometry."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from viz.ui.linked_maps import MAX_HOVER_VALUES, MapPanel, ink, payload


def _panel(role: str, rows: int, cols: int, values: bool = True) -> MapPanel:
    grid = np.arange(rows * cols, dtype=np.float32).reshape(rows, cols) / 7
    picture = np.zeros((min(rows, 520), min(cols, 520), 3), np.uint8)
    return MapPanel(role, role, picture, rows, cols, grid if values else None)


def _data(*panels: MapPanel) -> dict:
    return payload(list(panels), (3, 3), (1, 1), (1, 1), (0, 0), None, (1, 2))


def _picture(spec: dict) -> Image.Image:
    header, body = spec["src"].split(",", 1)
    return Image.open(io.BytesIO(base64.b64decode(body))), header


def test_values_travel_exactly_as_float32():
    data = _data(_panel("input", 9, 9), _panel("map", 7, 7))
    sent = np.frombuffer(base64.b64decode(data["panels"][1]["values"]), dtype="<f4").reshape(7, 7)
    np.testing.assert_array_equal(sent, np.arange(49, dtype=np.float32).reshape(7, 7) / 7)
    assert data["selected"] == [1, 2] and data["conv"]["kernel"] == [3, 3]


def test_small_maps_are_png_with_numbers_large_ones_jpeg_without():
    small = _data(_panel("input", 9, 9), _panel("map", 7, 7))["panels"][1]
    image, header = _picture(small)
    assert header == "data:image/png;base64" and image.size == (7, 7)
    assert len(small["ink"]) == 49 and set(small["ink"]) == {"0"}  # black cells: white numbers
    large = _data(_panel("input", 300, 300), _panel("map", 298, 298))["panels"][1]
    assert _picture(large)[1] == "data:image/jpeg;base64" and "ink" not in large and "values" in large


def test_very_large_maps_send_no_values_and_no_play():
    side = int(MAX_HOVER_VALUES**0.5) + 1
    data = _data(_panel("input", side + 2, side + 2, values=False), _panel("map", side, side))
    assert "values" not in data["panels"][1] and data["play"] is False
    assert _data(_panel("input", 34, 34), _panel("map", 32, 32))["play"] is True
    assert _data(_panel("input", 35, 34), _panel("map", 33, 32))["play"] is False


def test_ink_is_dark_on_light_cells():
    rgb = np.array([[[255, 255, 255], [0, 0, 0], [250, 200, 0], [20, 40, 160]]], np.uint8)
    assert ink(rgb) == "1010"
