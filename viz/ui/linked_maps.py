"""Linked maps: the one custom component, bundled here (Streamlit components v2: no iframe, no build
step, no outside request). Hover, pin and the kernel's slide happen in the browser; only a click
reaches Python. The JavaScript and CSS sit beside this file; `payload` is what they are given.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from viz.render import jpeg_bytes, png_bytes

HERE = Path(__file__).parent
MAX_HOVER_VALUES = 512 * 512  # maps with more cells send no values: hover names the cell, a click gives its value
MAX_PLAY_CELLS = 32 * 32  # "play" steps cell by cell; bigger maps would take minutes
NUMBERS_SIDE = 16  # panels with at most this many rows and columns write every value in its cell

_component = st.components.v2.component(
    "convscope_linked_maps",
    js=(HERE / "linked_maps.js").read_text(encoding="utf-8"),
    css=(HERE / "linked_maps.css").read_text(encoding="utf-8"),
)


@dataclass(frozen=True)
class MapPanel:
    """One picture of the component: what a cell is and what it holds."""

    role: str  # "input", "map" or "pooled"
    title: str
    picture: np.ndarray  # (h, w, 3) uint8, drawn stretched over the cells: one pixel per cell, or fewer
    rows: int
    cols: int
    values: np.ndarray | None = None  # (rows, cols) numbers for hover and for small maps' numbers


def encoded(rgb: np.ndarray) -> bytes:
    """Small pictures as PNG (exact colours, a few hundred bytes), larger ones as JPEG."""
    return png_bytes(rgb) if max(rgb.shape[:2]) <= 64 else jpeg_bytes(rgb)


def ink(rgb: np.ndarray) -> str:
    """Per pixel, "1" where dark text reads better on it, "0" where white text does (as number_table_html)."""
    return "".join("1" if v > 140 else "0" for v in (rgb.astype(np.float32) @ [0.299, 0.587, 0.114]).ravel())


def _data_url(picture: bytes) -> str:
    kind = "png" if picture[:4] == b"\x89PNG" else "jpeg"
    return f"data:image/{kind};base64," + base64.b64encode(picture).decode("ascii")


def payload(
    panels: list[MapPanel],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    pad: tuple[int, int],
    pool: dict | None,
    selected: tuple[int, int],
) -> dict:
    """The component's data (JSON): pictures as data URLs, values as base64 float32 when not too many."""
    shown = []
    for p in panels:
        spec = {"role": p.role, "title": p.title, "src": _data_url(encoded(p.picture)), "rows": p.rows, "cols": p.cols}
        if p.values is not None and p.values.size <= MAX_HOVER_VALUES:
            spec["values"] = base64.b64encode(np.ascontiguousarray(p.values, dtype="<f4").tobytes()).decode("ascii")
            if max(p.rows, p.cols) <= NUMBERS_SIDE and p.picture.shape[:2] == (p.rows, p.cols):
                spec["ink"] = ink(p.picture)  # numbers are written in the cells, dark or white
        shown.append(spec)
    feature = next(p for p in panels if p.role == "map")
    return {
        "panels": shown,
        "conv": {"kernel": list(kernel), "stride": list(stride), "dilation": list(dilation), "pad": list(pad)},
        "pool": pool,
        "selected": [int(selected[0]), int(selected[1])],
        "play": feature.rows * feature.cols <= MAX_PLAY_CELLS,
    }


def linked_maps(key: str, data: dict, on_cell: Callable[[], None]) -> None:
    """Mount the component; on_cell runs (before the rerun) when a cell is clicked: read it with clicked_cell."""
    _component(key=key, data=data, on_cell_change=on_cell, height="content")


def clicked_cell(key: str) -> tuple[int, int] | None:
    """The cell last clicked in component `key`, if any."""
    state = st.session_state.get(key)
    cell = state.get("cell") if state is not None else None
    if not cell:
        return None
    return int(cell["row"]), int(cell["col"])
