"""The playground's conv layer: one to eight filters, each an editable kernel with its own bias.

Widget keys: playground_filters (how many), playground_kernel / playground_kernel2 … (the 2-D
editors), playground_kernel_R / _G / _B / _A, playground_kernel2_R … (a 3-D kernel's slices, one per
input channel), playground_bias / playground_bias2 … and playground_kernel_size.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from viz.errors import ConvScopeError
from viz.grids import format_text
from viz.kernels import MAX_KERNEL_SIZE, MAX_KERNEL_TEXT, parse_kernel_text, preset_kernels, resize_kernel
from viz.pipeline import as_kernel_stack
from viz.render import number_table_html
from viz.ui import display
from viz.view import MAX_FILTERS

SLICE_NAMES = "RGBA"


def kernel_key(i: int) -> str:
    return "playground_kernel" if i == 0 else f"playground_kernel{i + 1}"


def bias_key(i: int) -> str:
    return "playground_bias" if i == 0 else f"playground_bias{i + 1}"


def slice_keys(i: int, channels: int) -> list[str]:
    return [f"{kernel_key(i)}_{SLICE_NAMES[j]}" for j in range(channels)]


def load(kernels: list[np.ndarray], biases: list[float] | None = None) -> None:
    """Write kernels ((Kh, Kw) or (C_k, Kh, Kw)) and their biases into the editors, for every colour mode."""
    st.session_state["playground_filters"] = len(kernels)
    for i, kernel in enumerate(kernels):
        stack = kernel if kernel.ndim == 3 else kernel[None]
        st.session_state[kernel_key(i)] = format_text(stack.sum(axis=0))  # a 3-D kernel's effect on gray
        for channels in range(1, len(SLICE_NAMES) + 1):
            pieces = stack if stack.shape[0] == channels else as_kernel_stack(stack.sum(axis=0), "3d", channels)
            for key, piece in zip(slice_keys(i, channels), pieces, strict=True):
                st.session_state[key] = format_text(piece)
        if biases is not None:
            st.session_state[bias_key(i)] = float(biases[i] if len(biases) > 1 else biases[0])


def load_preset(key: str) -> None:
    """A library filter or a layer preset into the editors; biases back to 0."""
    kernels = preset_kernels(key)
    load(kernels, [0.0] * len(kernels))


def keep_texts() -> None:
    """Streamlit forgets the value of a widget not drawn in a run (the 2-D editors are hidden in 3-D mode,
    the slices outside it, filters past the count): re-assert every editor's text each run."""
    for i in range(MAX_FILTERS):
        for key in (kernel_key(i), bias_key(i), *slice_keys(i, len(SLICE_NAMES))):
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]


def current(mode: str, channels: int) -> tuple[list[np.ndarray], list[str]]:
    """The filters as typed: ((C_k, Kh, Kw) each, errors worded for the user)."""
    kernels, errors = [], []
    for i in range(int(st.session_state.get("playground_filters", 1))):
        keys = slice_keys(i, channels) if mode == "3d" else [kernel_key(i)]
        pieces = []
        for j, key in enumerate(keys):
            try:
                pieces.append(parse_kernel_text(st.session_state.get(key, "")))
            except ConvScopeError as exc:
                where = f"Filter {i + 1}" + (f", {_slice_label(j, channels)} slice" if mode == "3d" else "")
                errors.append(f"{where}: {exc}")
        if len(pieces) == len(keys):
            if len({p.shape for p in pieces}) > 1:
                errors.append(f"Filter {i + 1}: every slice of a 3-D kernel must have the same size.")
            else:
                kernels.append(np.stack(pieces))
    if not errors and len({k.shape[-2:] for k in kernels}) > 1:
        errors.append(
            "All filters of a layer have the same size: make every kernel the same number of rows and columns."
        )
    return kernels, errors


def _slice_label(j: int, channels: int) -> str:
    return "RGB"[j] if channels == 3 else f"channel {j + 1}"


def biases() -> list[float]:
    return [float(st.session_state.get(bias_key(i), 0.0)) for i in range(int(st.session_state["playground_filters"]))]


def sync_for_mode(mode: str, channels: int) -> None:
    """Carry the filters across colour modes: into 3-D as equal slices, out of 3-D as the sum of the slices
    (the same response on a gray image) when the slices were edited."""
    for i in range(int(st.session_state.get("playground_filters", 1))):
        try:
            flat = parse_kernel_text(st.session_state.get(kernel_key(i), ""))
            stack = np.stack([parse_kernel_text(st.session_state.get(k, "")) for k in slice_keys(i, channels)])
        except (ConvScopeError, ValueError):
            continue
        if mode == "3d":
            if stack.shape[-2:] != flat.shape or not np.allclose(stack.sum(axis=0), flat, atol=1e-6):
                for key, piece in zip(slice_keys(i, channels), as_kernel_stack(flat, "3d", channels), strict=True):
                    st.session_state[key] = format_text(piece)
        elif stack.shape[-2:] != flat.shape or not np.allclose(stack.sum(axis=0), flat, atol=1e-6):
            st.session_state[kernel_key(i)] = format_text(stack.sum(axis=0))


def _on_size_change() -> None:
    """Crop or pad every filter around its centre to the chosen square size."""
    size = st.session_state["playground_kernel_size"]
    resized = []
    for i in range(int(st.session_state["playground_filters"])):
        try:
            kernel = parse_kernel_text(st.session_state.get(kernel_key(i), ""))
        except ConvScopeError:
            kernel = np.zeros((1, 1), np.float32)
        resized.append(resize_kernel(_squared(kernel), size))
    load(resized)


def _squared(kernel: np.ndarray) -> np.ndarray:
    side = max(kernel.shape)
    out = np.zeros((side, side), np.float32)
    out[: kernel.shape[0], : kernel.shape[1]] = kernel
    return out


def _on_count_change() -> None:
    """New filters start as copies of the first filter's size, all zeros but a centre 1 (the identity)."""
    count = int(st.session_state["playground_filters"])
    for i in range(count):
        if not st.session_state.get(kernel_key(i), "").strip():
            try:
                shape = parse_kernel_text(st.session_state.get(kernel_key(0), "")).shape
            except ConvScopeError:
                shape = (3, 3)
            identity = np.zeros(shape, np.float32)
            identity[shape[0] // 2, shape[1] // 2] = 1.0
            st.session_state[kernel_key(i)] = format_text(identity)
            for channels in range(1, len(SLICE_NAMES) + 1):
                for key, piece in zip(slice_keys(i, channels), as_kernel_stack(identity, "3d", channels), strict=True):
                    st.session_state[key] = format_text(piece)
            st.session_state[bias_key(i)] = 0.0


def editor(mode: str, channels: int) -> tuple[list[np.ndarray], list[float]] | None:
    """The layer's editors; returns (kernels, biases), or None after showing what is wrong."""
    st.number_input(
        "Filters in this layer",
        1,
        MAX_FILTERS,
        key="playground_filters",
        on_change=_on_count_change,
        help="A convolution layer applies several filters to the same input; each gives its own feature map.",
    )
    count = int(st.session_state["playground_filters"])
    spaces = st.tabs([f"Filter {i + 1}" for i in range(count)]) if count > 1 else [st.container()]
    for i, space in enumerate(spaces):
        with space:
            _one_filter(i, mode, channels)
    kernels, errors = current(mode, channels)
    for message in errors:
        st.error(message)
    if errors:
        return None
    sizes = sorted({k.shape[-1] for k in kernels} | {k.shape[-2] for k in kernels})
    st.session_state["playground_kernel_size"] = max(sizes)
    st.selectbox(
        "Kernel size",
        list(range(1, MAX_KERNEL_SIZE + 1)),
        key="playground_kernel_size",
        format_func=lambda n: f"{n}×{n}",
        on_change=_on_size_change,
        help="Changing the size crops or pads every filter with zeros around its centre. "
        "Type a rectangular grid (e.g. one row of two numbers) for a rectangular kernel.",
    )
    return kernels, biases()


def _one_filter(i: int, mode: str, channels: int) -> None:
    keys = slice_keys(i, channels) if mode == "3d" else [kernel_key(i)]
    labels = [f"{_slice_label(j, channels)} slice" for j in range(channels)] if mode == "3d" else ["Kernel"]
    text_col, grid_col = st.columns([3, 2])
    with text_col:
        inner = st.columns(len(keys)) if len(keys) > 1 else [st.container()]
        for col, key, label in zip(inner, keys, labels, strict=True):
            with col:
                rows = max(1, st.session_state.get(key, "").count("\n") + 1)
                st.text_area(
                    f"{label}: one row per line",
                    key=key,
                    max_chars=MAX_KERNEL_TEXT,
                    height=round((68 + 22 * min(MAX_KERNEL_SIZE, rows)) * (1.5 if display.projector() else 1)),
                    help="Numbers separated by spaces or commas; fractions such as 1/9 work. "
                    f"From 1×1 to {MAX_KERNEL_SIZE}×{MAX_KERNEL_SIZE}, rectangular too.",
                )
        st.session_state.setdefault(bias_key(i), 0.0)
        st.number_input("Bias (added to every value)", -1e6, 1e6, step=0.1, key=bias_key(i), format="%g")
    with grid_col:
        try:
            stack = np.stack([parse_kernel_text(st.session_state.get(key, "")) for key in keys])
        except (ConvScopeError, ValueError):
            return
        shown = stack.sum(axis=0)
        st.html(number_table_html(shown, cell_px=26 if max(shown.shape) > 5 else 40, fit=True))
        if mode == "3d":
            st.caption("The sum of the slices: what the kernel does to a gray image.")
