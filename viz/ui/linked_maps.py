"""Linked maps: the one custom component, bundled here (Streamlit components v2: no iframe, no build
step, no outside request). Hover, pin and the kernel's slide happen in the browser; only a click
reaches Python. The JavaScript and CSS sit beside this file; `payload` is what they are given.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from viz.pipeline import PanelPictures, PipelineResult, channel_names, input_picture, value_range
from viz.render import DIVERGING_LUT, jpeg_bytes, map_picture, png_bytes, shrink_picture

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
    picture: np.ndarray | bytes | None  # (h, w, 3) uint8 or an encoded JPEG, drawn stretched over the
    # cells; None: the browser colours `values` itself on the diverging scale ±limit
    rows: int
    cols: int
    values: np.ndarray | None = None  # (rows, cols) numbers for hover and for small maps' numbers
    limit: float | None = None  # the colour scale, for a panel the browser colours


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
    digest: str  # new for every encoding: the browser keeps its drawing while this stays the same


def _aligned(chunk: bytes, fill: bytes = b"\0") -> bytes:
    return chunk + fill * (-len(chunk) % 4)  # float32 arrays start on 4-byte boundaries


def encode_panels(panels: list[MapPanel]) -> EncodedPanels:
    """Pictures as PNG or JPEG (or none: the browser colours the values) and values as little-endian
    float32: feature and pooled maps up to MAX_HOVER_VALUES cells (hover shows them), an input's only
    when its numbers are written in it."""
    specs, chunks, at = [], [], 0
    lut: list[int] | None = None

    def add(chunk: bytes) -> list[int]:
        nonlocal at
        chunks.append(_aligned(chunk))
        place, at = at, at + len(chunks[-1])
        return [place, len(chunk)]

    for p in panels:
        spec = {"role": p.role, "title": p.title, "rows": p.rows, "cols": p.cols}
        if p.picture is None:  # coloured in the browser, with the same lookup table as render.diverging
            lut = lut or add(DIVERGING_LUT.tobytes())  # (1023, 3) uint8, sent once
            spec["lut"] = lut
            spec["paint"] = float(p.limit if p.limit and p.limit > 0 else 1.0)
        else:
            picture = encoded(p.picture)
            spec["picture"] = add(picture) + ["image/png" if picture[:4] == b"\x89PNG" else "image/jpeg"]
        numbers = isinstance(p.picture, np.ndarray) and max(p.rows, p.cols) <= NUMBERS_SIDE
        numbers = numbers and p.picture.shape[:2] == (p.rows, p.cols)
        if p.picture is None or (
            p.values is not None and p.values.size <= MAX_HOVER_VALUES and (numbers or p.role != "input")
        ):
            spec["values"] = add(np.ascontiguousarray(p.values, dtype="<f4").tobytes())
            if numbers:
                spec["ink"] = ink(p.picture)  # numbers are written in the cells, dark or white
        specs.append(spec)
    feature = next(p for p in panels if p.role == "map")
    blobs = b"".join(chunks)
    # pages keep one encoding per result and map, so a fresh token per encoding says "same content"
    # exactly when it is the same encoding, without hashing 1.5 MB
    return EncodedPanels(tuple(specs), blobs, feature.rows * feature.cols <= MAX_PLAY_CELLS, uuid.uuid4().hex)


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


def map_panel(role: str, title: str, values: np.ndarray, limit: float, page_picture: bytes | None) -> MapPanel:
    """A map as a panel: small ones as a picture with their numbers written in; larger ones whose
    values are sent anyway are coloured by the browser; the largest reuse the page's JPEG or get one."""
    if max(values.shape) <= NUMBERS_SIDE:
        return MapPanel(role, title, map_picture(values, limit), *values.shape, values=values)
    if values.size <= MAX_HOVER_VALUES:
        return MapPanel(role, title, None, *values.shape, values=values, limit=limit)
    picture = page_picture if page_picture is not None else map_picture(values, limit)
    return MapPanel(role, title, picture, *values.shape)


def layer_panels(
    channels: np.ndarray, result: PipelineResult, pictures: PanelPictures, map_index: int
) -> list[MapPanel]:
    """The input (the channels map `map_index` reads), that feature map and its pooled map, as panels.
    The page's panel JPEGs are reused where they show the same thing (one map, the whole input)."""
    limit = pictures.limit
    reads = result.input_channels_of(map_index)
    shown = channels[reads]
    one = result.feature.shape[0] == 1
    panels = [
        MapPanel(
            "input",
            "Input" if len(reads) == 1 else f"Input ({', '.join(channel_names(channels.shape[0])[c] for c in reads)})",
            pictures.input
            if max(channels.shape[1:]) > NUMBERS_SIDE and len(reads) == channels.shape[0]  # no numbers written
            else shrink_picture(input_picture(shown, value_range(channels))),
            *shown.shape[1:],
            values=shown[0] if len(reads) == 1 else None,
        ),
        map_panel(
            "map",
            f"{result.map_names[map_index]}: feature map",
            result.feature[map_index],
            limit,
            pictures.feature if one else None,
        ),
    ]
    if result.pooled is not None:
        panels.append(map_panel("pooled", "Pooled", result.pooled[map_index], limit, pictures.pooled if one else None))
    return panels


def header_of(data: bytes) -> tuple[dict, int]:
    """A payload's JSON header, and where its pictures' and values' bytes start."""
    n = int.from_bytes(data[:4], "little")
    return json.loads(data[4 : 4 + n]), 4 + n


def linked_maps(key: str, data: bytes, on_cell: Callable[[], None]) -> None:
    """Mount the component; on_cell runs (before the rerun) when a cell is clicked: read it with clicked_cell.

    The pictures and values travel once per encoding (the header's digest): while they stay the same
    (a click, a typed row), only the header is sent, and the browser keeps what it has. Should the
    browser have lost them, it asks (state "need", with a time stamp) and gets them whole, once.
    """
    header, start = header_of(data)
    sent_key, answered_key = f"_{key}_sent", f"_{key}_answered"
    need = (st.session_state.get(key) or {}).get("need") or {}
    asked = need.get("digest") == header["digest"] and need.get("at") != st.session_state.get(answered_key)
    if st.session_state.get(sent_key) == header["digest"] and not asked:
        data = data[:start]  # header only
    else:
        st.session_state[sent_key] = header["digest"]
        st.session_state[answered_key] = need.get("at")
    _component(key=key, data=data, on_cell_change=on_cell, on_need_change=_nothing, height="content")


def _nothing() -> None:
    """The browser's request for the whole data needs no callback: the rerun it starts sends them."""


def clicked_cell(key: str) -> tuple[int, int] | None:
    """The cell last clicked in component `key`, if any."""
    state = st.session_state.get(key)
    cell = state.get("cell") if state is not None else None
    if not cell:
        return None
    return int(cell["row"]), int(cell["col"])
