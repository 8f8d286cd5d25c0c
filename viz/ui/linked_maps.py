"""Linked maps: the one custom component, bundled here (Streamlit components v2: no iframe, no build
step, no outside request). Hover, pin and the kernel's slide happen in the browser; only a click
reaches Python. The JavaScript and CSS sit beside this file; `payload` is what they are given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from viz.pipeline import PanelPictures, PipelineResult, channel_names, input_picture, value_range
from viz.render import jpeg_bytes, map_picture, png_bytes, shrink_picture

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
    picture: np.ndarray | bytes  # (h, w, 3) uint8 or an encoded JPEG, drawn stretched over the cells
    rows: int
    cols: int
    values: np.ndarray | None = None  # (rows, cols) numbers for hover and for small maps' numbers


def encoded(rgb: np.ndarray | bytes) -> bytes:
    """Small pictures as PNG (exact colours, a few hundred bytes), larger ones as JPEG; bytes as they are."""
    if isinstance(rgb, bytes):
        return rgb
    return png_bytes(rgb) if max(rgb.shape[:2]) <= 64 else jpeg_bytes(rgb)


def ink(rgb: np.ndarray) -> str:
    """Per pixel, "1" where dark text reads better on it, "0" where white text does (as number_table_html)."""
    return "".join("1" if v > 140 else "0" for v in (rgb.astype(np.float32) @ [0.299, 0.587, 0.114]).ravel())


@dataclass(frozen=True)
class EncodedPanels:
    """Panels ready to send, made once per result and map: their description (JSON-ready, with
    offsets) and one run of bytes holding every picture and every value array."""

    specs: tuple[dict, ...]
    blobs: bytes
    play: bool
    digest: str  # of specs and blobs: the browser keeps its drawing while this stays the same


def _aligned(chunk: bytes, fill: bytes = b"\0") -> bytes:
    return chunk + fill * (-len(chunk) % 4)  # float32 arrays start on 4-byte boundaries


def encode_panels(panels: list[MapPanel]) -> EncodedPanels:
    """Pictures as PNG or JPEG and values as little-endian float32: feature and pooled maps up to
    MAX_HOVER_VALUES cells (hover shows them), an input's only when its numbers are written in it."""
    specs, chunks, at = [], [], 0

    def add(chunk: bytes) -> list[int]:
        nonlocal at
        chunks.append(_aligned(chunk))
        place, at = at, at + len(chunks[-1])
        return [place, len(chunk)]

    for p in panels:
        picture = encoded(p.picture)
        spec = {"role": p.role, "title": p.title, "rows": p.rows, "cols": p.cols}
        spec["picture"] = add(picture) + ["image/png" if picture[:4] == b"\x89PNG" else "image/jpeg"]
        numbers = isinstance(p.picture, np.ndarray) and max(p.rows, p.cols) <= NUMBERS_SIDE
        numbers = numbers and p.picture.shape[:2] == (p.rows, p.cols)
        if p.values is not None and p.values.size <= MAX_HOVER_VALUES and (numbers or p.role != "input"):
            spec["values"] = add(np.ascontiguousarray(p.values, dtype="<f4").tobytes())
            if numbers:
                spec["ink"] = ink(p.picture)  # numbers are written in the cells, dark or white
        specs.append(spec)
    feature = next(p for p in panels if p.role == "map")
    blobs = b"".join(chunks)
    digest = hashlib.blake2b(json.dumps(specs).encode() + blobs, digest_size=16).hexdigest()
    return EncodedPanels(tuple(specs), blobs, feature.rows * feature.cols <= MAX_PLAY_CELLS, digest)


def payload(
    panels: EncodedPanels,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    pad: tuple[int, int],
    pool: dict | None,
    selected: tuple[int, int],
) -> bytes:
    """The component's data, as bytes (Streamlit passes them through without JSON or base64): a
    4-byte little-endian length, that many bytes of JSON (padded with spaces to 4), then the panels' bytes, which
    the JSON's [offset, length] pairs point into."""
    header = {
        "panels": list(panels.specs),
        "conv": {"kernel": list(kernel), "stride": list(stride), "dilation": list(dilation), "pad": list(pad)},
        "pool": pool,
        "selected": [int(selected[0]), int(selected[1])],
        "play": panels.play,
        "digest": panels.digest,
    }
    text = _aligned(json.dumps(header).encode("utf-8"), b" ")  # JSON may end in spaces
    return len(text).to_bytes(4, "little") + text + panels.blobs


def layer_panels(
    channels: np.ndarray, result: PipelineResult, pictures: PanelPictures, map_index: int
) -> list[MapPanel]:
    """The input (the channels map `map_index` reads), that feature map and its pooled map, as panels.
    The page's panel JPEGs are reused where they show the same thing (one map, the whole input)."""
    limit = pictures.limit
    reads = result.input_channels_of(map_index)
    shown = channels[reads]

    def big(array: np.ndarray) -> bool:  # too big to write its numbers in: the page's picture will do
        return max(array.shape[-2:]) > NUMBERS_SIDE

    one = result.feature.shape[0] == 1
    panels = [
        MapPanel(
            "input",
            "Input" if len(reads) == 1 else f"Input ({', '.join(channel_names(channels.shape[0])[c] for c in reads)})",
            pictures.input
            if big(channels) and len(reads) == channels.shape[0]
            else shrink_picture(input_picture(shown, value_range(channels))),
            *shown.shape[1:],
            values=shown[0] if len(reads) == 1 else None,
        ),
        MapPanel(
            "map",
            f"{result.map_names[map_index]}: feature map",
            pictures.feature if one and big(result.feature) else map_picture(result.feature[map_index], limit),
            *result.feature.shape[1:],
            values=result.feature[map_index],
        ),
    ]
    if result.pooled is not None:
        panels.append(
            MapPanel(
                "pooled",
                "Pooled",
                pictures.pooled
                if one and pictures.pooled and big(result.pooled)
                else map_picture(result.pooled[map_index], limit),
                *result.pooled.shape[1:],
                values=result.pooled[map_index],
            )
        )
    return panels


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
