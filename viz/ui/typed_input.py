"""The "Numbers" image source: an input typed as grids of numbers, kept at its exact size."""

from __future__ import annotations

import numpy as np
import streamlit as st

from viz.errors import ConvScopeError
from viz.grids import parse_cells, split_text
from viz.view import MAX_INPUT_CHANNELS, MAX_INPUT_SIDE

EXAMPLE = "3 0 1 2 7 4\n1 5 8 9 3 1\n2 7 2 5 1 3\n0 1 3 1 7 8\n4 2 1 6 2 8\n2 4 5 2 3 9"  # Ng's edge slide
MAX_TEXT = 40_000


def channel_key(index: int) -> str:
    return "playground_numbers" if index == 0 else f"playground_numbers{index + 1}"


def typed_input() -> np.ndarray | None:
    """Channel count and one text grid per channel -> (C, H, W) float32, or None after saying what is wrong.

    Widget keys: playground_channels, playground_numbers, playground_numbers2, …
    """
    channels = st.number_input(
        "Channels", 1, MAX_INPUT_CHANNELS, key="playground_channels", help="One grid of numbers per channel."
    )
    grids, errors = [], []
    for i in range(int(channels)):
        key = channel_key(i)
        st.session_state.setdefault(key, EXAMPLE if i == 0 else "")
        label = "Input: one row per line" if channels == 1 else f"Channel {i + 1}: one row per line"
        st.text_area(
            label,
            key=key,
            max_chars=MAX_TEXT,
            height=150,
            help=f"Any real numbers, separated by spaces or commas (fractions such as 1/9 work); from 1×1 to "
            f"{MAX_INPUT_SIDE}×{MAX_INPUT_SIDE}. Kept exactly as typed: no resizing, no rescaling.",
        )
        try:
            grids.append(parse_cells(split_text(st.session_state[key]), "Input", MAX_INPUT_SIDE))
        except ConvScopeError as exc:
            errors.append(f"Channel {i + 1}: {exc}" if channels > 1 else str(exc))
    if not errors and len({g.shape for g in grids}) > 1:
        errors.append("Every channel needs the same number of rows and columns.")
    for message in errors:
        st.error(message)
    return None if errors else np.stack(grids)
