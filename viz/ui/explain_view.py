"""'Explain a pixel', drawn: shared by the playground and the network inspector."""

from __future__ import annotations

import numpy as np
import streamlit as st

from viz.explain import ConvExplanation
from viz.render import enlarge, format_number, grayscale, number_table_html, outline

HIGHLIGHT = (255, 200, 0)


def patch_tables(ex: ConvExplanation, index: int, image_hw: tuple[int, int], gray: tuple[float, float] | None) -> None:
    """Input patch, kernel and products of one input channel, as three number grids.

    gray colours the input patch as image brightness (lo, hi); None colours it like a map.
    """
    k = max(ex.kernel.shape[-2:])
    masked = ex.padding_mask(*image_hw)
    cols = st.columns(3) if k <= 5 else [st.container()] * 3
    for col, title, values in (
        (cols[0], "Input patch", ex.patch[index]),
        (cols[1], "× Kernel", ex.kernel[index]),
        (cols[2], "= Products", ex.products[index]),
    ):
        with col:
            st.markdown(f"*{title}*")
            is_input = title == "Input patch"
            st.html(
                number_table_html(
                    values,
                    masked=masked if is_input else None,
                    gray_range=gray if is_input else None,
                    cell_px=34 if k > 7 else 40,
                )
            )


def sum_sentence(ex: ConvExplanation) -> str:
    """'sum of products = S, ÷ N weights = …, + bias b = **v**' in markdown."""
    terms = f"sum of products = **{format_number(ex.total, 4)}**"
    if ex.divisor != 1:
        terms += f", ÷ {ex.divisor:g} weights = {format_number(ex.total / ex.divisor, 4)}"
    return terms + f", + bias {format_number(ex.bias, 4)} = **{format_number(ex.value, 4)}**"


def input_zoom(channels: np.ndarray, reads: list[int], ex: ConvExplanation, value_range: tuple[float, float]) -> None:
    """The input around the patch, enlarged, with the kernel's footprint outlined in yellow."""
    _, h, w = channels.shape
    kh, kw = int(ex.rows[-1] - ex.rows[0]) + 1, int(ex.cols[-1] - ex.cols[0]) + 1  # with dilation's gaps
    margin = max(3, kh, kw)
    top, left = max(0, ex.top - margin), max(0, ex.left - margin)
    bottom, right = min(h, ex.top + kh + margin), min(w, ex.left + kw + margin)
    lo, hi = value_range
    if len(reads) == 1:
        crop = grayscale(channels[reads[0], top:bottom, left:right], lo, hi)
    else:
        region = channels[reads, top:bottom, left:right].transpose(1, 2, 0)
        crop = (np.clip((region - lo) / ((hi - lo) or 1.0), 0, 1) * 255).astype(np.uint8)
    big = enlarge(crop, min_side=220, max_side=360)
    scale = big.shape[0] // crop.shape[0]
    marked = outline(big, ex.top - top, ex.left - left, kh, kw, colour=HIGHLIGHT, scale=scale)
    st.image(marked, width=min(360, marked.shape[1]))
    st.caption(
        f"The input under the kernel: rows {ex.top}–{ex.top + kh - 1}, columns {ex.left}–{ex.left + kw - 1} "
        "(yellow box; shown enlarged with its surroundings)."
        + (f" {ex.padded_cells} of its cells fall in the zero padding." if ex.padded_cells else "")
    )
