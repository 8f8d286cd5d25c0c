"""Drawing with the mouse or a finger: a canvas that returns pixels."""

from __future__ import annotations

import numpy as np
from streamlit_drawable_canvas import st_canvas


def canvas_pixels(key: str, size: int = 236, stroke_width: int = 18) -> np.ndarray | None:
    """A square drawing canvas; returns (size, size, 3) float32 in [0, 1], or None while it is empty.

    Black ink on white, like pen on paper; the networks' preprocessing finds the ink either way.
    """
    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#000000",
        background_color="#ffffff",
        height=size,
        width=size,
        drawing_mode="freedraw",
        key=key,
        update_streamlit=True,
        return_image_data=True,
    )
    if result is None or result.image_data is None:
        return None
    rgba = np.asarray(result.image_data, dtype=np.float32) / 255.0
    alpha = rgba[..., 3:4]
    rgb = rgba[..., :3] * alpha + (1.0 - alpha)  # transparent canvas areas are paper
    if float(rgb.min()) > 0.9:
        return None
    return rgb
