"""Filter playground: a layer of filters -> ReLU -> pooling on any image, every number explained.

The page keeps one plain description of what it shows, a viz.view.View: a link is read into it
on a session's first visit, the widgets are drawn from it and written back into it, the
computation follows it, and the link is written from it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import streamlit as st

from viz.errors import ConvScopeError
from viz.explain import explain_conv, explain_pool
from viz.grids import format_text
from viz.images import Picture, to_channels
from viz.kernels import PRESETS, preset_explanation, preset_kernels, preset_label
from viz.ops import ConvSettings, output_size
from viz.pipeline import (
    PanelPictures,
    PipelineResult,
    channel_names,
    full_picture,
    input_jpeg,
    input_picture,
    multiply_adds,
    panel_pictures,
    run_pipeline,
    shape_label,
    value_range,
)
from viz.render import (
    csv_text,
    enlarge,
    format_number,
    is_small,
    legend_html,
    number_table_html,
    numbers_picture,
    png_bytes,
)
from viz.samples import SAMPLES
from viz.ui import display, explain_view, filter_bank, linked_maps, state
from viz.ui.caching import cached_result
from viz.ui.inputs import DRAW, NUMBERS, image_source
from viz.ui.typed_input import channel_key
from viz.view import (
    DEFAULT,
    MAX_DILATION,
    MAX_PAD,
    MAX_POOL_STRIDE,
    MAX_STRIDE,
    MAX_WINDOW,
    View,
    as_grid,
    grid_array,
    link_from_view,
    view_from_link,
)
from viz.workers import HEAVY_MULTIPLY_ADDS, heavy_layers, run_in

PAGE = "playground"
SOURCES = ("Sample", NUMBERS, "Upload", "Webcam", DRAW)
MODES = {"grayscale": "Grayscale", "per_channel": "Each colour channel", "3d": "One 3-D kernel over all channels"}
PADDINGS = {"valid": "valid (none)", "same": "same", "explicit": "explicit zeros"}
POOLS = {"max": "max", "average": "average", "none": "none"}
SIDES = ("top", "left", "bottom", "right")
DEFAULTS = {
    "playground_source": "Sample",
    "playground_sample": DEFAULT.sample,
    "playground_size": DEFAULT.size,
    "playground_channels": 1,
    "playground_filter": DEFAULT.filter,
    "playground_filters": 1,
    "playground_mode": DEFAULT.mode,
    "playground_per_axis": False,
    "playground_stride": 1,
    "playground_stride_cols": 1,
    "playground_dilation": 1,
    "playground_dilation_cols": 1,
    "playground_padding": DEFAULT.padding,
    "playground_pad": 1,
    **{f"playground_pad_{side}": 1 for side in SIDES},
    "playground_bias": 0.0,
    "playground_normalized": False,
    "playground_relu": True,
    "playground_pool": DEFAULT.pool,
    "playground_window": 2,
    "playground_window_cols": 2,
    "playground_pool_stride": 2,
    "playground_pool_stride_cols": 2,
    "playground_pool_pad": 0,
    **{f"playground_pool_pad_{side}": 0 for side in SIDES},
    "playground_ceil": False,
    "playground_count_pad": False,
    "playground_row": 0,
    "playground_col": 0,
    "playground_map": 0,
}


# ---------------------------------------------------------------- view <-> widgets
def _pair_into_state(name: str, value: tuple[int, int]) -> None:
    st.session_state[f"playground_{name}"], st.session_state[f"playground_{name}_cols"] = value


def _pads_into_state(name: str, pads: tuple[int, int, int, int]) -> None:
    st.session_state[f"playground_{name}"] = pads[0]
    for side, value in zip(SIDES, pads, strict=True):
        st.session_state[f"playground_{name}_{side}"] = value


def view_into_state(view: View) -> None:
    """Set every widget from a View (a link's, on a session's first visit)."""
    ss = st.session_state
    ss["playground_sample"], ss["playground_size"], ss["playground_filter"] = view.sample, view.size, view.filter
    if view.numbers is not None:
        ss["playground_source"] = NUMBERS
        numbers = grid_array(view.numbers)
        ss["playground_channels"] = numbers.shape[0]
        for i, grid in enumerate(numbers):
            ss[channel_key(i)] = format_text(grid)
    ss["playground_mode"], ss["playground_padding"], ss["playground_pool"] = view.mode, view.padding, view.pool
    ss["playground_normalized"], ss["playground_relu"] = view.normalized, view.relu
    ss["playground_ceil"], ss["playground_count_pad"] = view.ceil, view.count_pad
    for name in ("stride", "dilation", "window", "pool_stride"):
        _pair_into_state(name, getattr(view, name))
    _pads_into_state("pad", view.pad)
    _pads_into_state("pool_pad", view.pool_pad)
    per_axis = any(len(set(getattr(view, n))) > 1 for n in ("stride", "dilation", "window", "pool_stride", "pool_pad"))
    ss["playground_per_axis"] = per_axis or len(set(view.pad)) > 1
    weights = view.filter_weights()
    filter_bank.load(weights, [view.bias_of(i) for i in range(len(weights))])
    if view.row is not None and view.col is not None:
        ss["playground_row"], ss["playground_col"] = view.row, view.col
        ss["_playground_pixel_chosen"] = True
    ss["playground_map"] = view.map


def _pair(name: str) -> tuple[int, int]:
    rows = int(st.session_state[f"playground_{name}"])
    return (
        (rows, int(st.session_state[f"playground_{name}_cols"]))
        if st.session_state["playground_per_axis"]
        else (
            rows,
            rows,
        )
    )


def _pads(name: str) -> tuple[int, int, int, int]:
    if st.session_state["playground_per_axis"]:
        return tuple(int(st.session_state[f"playground_{name}_{side}"]) for side in SIDES)  # type: ignore[return-value]
    return (int(st.session_state[f"playground_{name}"]),) * 4  # type: ignore[return-value]


def view_from_state(numbers: np.ndarray | None, kernels: list[np.ndarray], biases: list[float]) -> View:
    """The View the widgets describe now."""
    ss = st.session_state
    preset = [k[None] for k in preset_kernels(ss["playground_filter"])]
    edited = len(kernels) != len(preset) or any(
        k.shape[-2:] != p.shape[-2:] or not np.allclose(k.sum(axis=0), p[0], atol=1e-6)
        for k, p in zip(kernels, preset, strict=False)
    )
    if ss["playground_mode"] == "3d" and not edited:
        edited = any(not np.allclose(k, k.mean(axis=0, keepdims=True), atol=1e-6) for k in kernels)
    same_bias = len(set(biases)) == 1
    return View(
        sample=ss["playground_sample"],
        size=int(ss["playground_size"]),
        numbers=as_grid(numbers) if numbers is not None else None,
        filter=ss["playground_filter"],
        kernels=tuple(as_grid(k) for k in kernels) if edited else (),
        biases=(biases[0],) if same_bias else tuple(biases),
        mode=ss["playground_mode"],
        stride=_pair("stride"),
        dilation=_pair("dilation"),
        padding=ss["playground_padding"],
        pad=_pads("pad"),
        normalized=bool(ss["playground_normalized"]),
        relu=bool(ss["playground_relu"]),
        pool=ss["playground_pool"],
        window=_pair("window"),
        pool_stride=_pair("pool_stride"),
        pool_pad=_pads("pool_pad"),
        ceil=bool(ss["playground_ceil"]),
        count_pad=bool(ss["playground_count_pad"]),
        row=int(ss["playground_row"]) if ss.get("_playground_pixel_chosen") else None,
        col=int(ss["playground_col"]) if ss.get("_playground_pixel_chosen") else None,
        map=int(ss.get("playground_map", 0)),
    )


def _first_visit() -> None:
    """On a session's first run: defaults, then whatever the link says (its mistakes kept as notes)."""
    if st.session_state.get("_playground_started"):
        return
    st.session_state["_playground_started"] = True
    view = view_from_link({name: st.query_params.get_all(name) for name in st.query_params})
    view_into_state(view)
    st.session_state["_playground_link_notes"] = view.notes


def _publish(view: View, extra: dict[str, str] | None = None) -> None:
    """The view into the URL. Uploads, snapshots and drawings never go into a link.

    extra: another page's own parameters (the sound page's), which then replace the picture's (sample, size).
    """
    st.session_state["_playground_view"], st.session_state["_playground_link_extra"] = view, extra
    link = link_from_view(view) | display.link_params()
    if extra is not None:
        link.pop("sample", None)
        link.pop("size", None)
        link |= extra
    elif st.session_state["playground_source"] != "Sample":
        link.pop("sample", None)
    if view.padding != "explicit":
        link.pop("pad", None)
    state.publish_to_url(link)


# ---------------------------------------------------------------- computation (cached)
@cached_result(max_entries=24, max_mb=128)
def compute(
    channels: np.ndarray,
    kernels: np.ndarray,
    biases: tuple[float, ...],
    mode: str,
    conv: ConvSettings,
    pool,
    relu_on: bool,
) -> tuple[PipelineResult, PanelPictures]:
    """The layer and its panel pictures; recomputed only when the input or a setting changes.

    A heavy layer (a 1024 px photo on each channel, …) waits for a low-priority worker thread, so it
    cannot slow other students' reruns (viz/workers.py); a light one runs at once.
    """
    layer = (channels, kernels, biases, mode, conv, pool, relu_on)
    if multiply_adds(channels.shape, kernels.shape, mode, conv) < HEAVY_MULTIPLY_ADDS:
        return _layer(_input_jpeg(channels), *layer)
    return run_in(heavy_layers, _layer, _input_jpeg(channels), *layer)


def _layer(shown_input: bytes, channels: np.ndarray, kernels: np.ndarray, biases, mode, conv, pool, relu_on):
    """compute's work, in this thread or a worker's: the same arguments, after the input's JPEG."""
    result = run_pipeline(channels, list(kernels), mode, conv, pool, biases, relu_on)
    return result, panel_pictures(result, shown_input)


@cached_result(max_entries=24, max_mb=32)
def _input_jpeg(channels: np.ndarray) -> bytes:
    """The input panel's picture, made once per input however many filters and settings it meets."""
    return input_jpeg(channels)


# ---------------------------------------------------------------- widgets
def _on_preset_change() -> None:
    filter_bank.load_preset(st.session_state["playground_filter"])


def _input_channels(mode: str) -> int:
    """How many channels the layer's 3-D kernels span: the typed input's, or a picture's three."""
    if st.session_state.get("playground_source") == NUMBERS:
        return int(st.session_state.get("playground_channels", 1))
    return 1 if mode == "grayscale" else 3


def _on_mode_change() -> None:
    mode = st.session_state["playground_mode"]
    filter_bank.sync_for_mode(mode, _input_channels("3d"))


def _two(label: str, name: str, hi: int, lo: int = 1, help: str | None = None) -> None:
    """A slider for rows and columns together, or one for each when they differ."""
    if not st.session_state["playground_per_axis"]:
        st.slider(label, lo, hi, key=f"playground_{name}", help=help)
        return
    c1, c2 = st.columns(2)
    c1.number_input(f"{label}: rows", lo, hi, key=f"playground_{name}", help=help)
    c2.number_input(f"{label}: columns", lo, hi, key=f"playground_{name}_cols")


def _four(label: str, name: str, hi: int) -> None:
    if not st.session_state["playground_per_axis"]:
        st.number_input(label, 0, hi, key=f"playground_{name}")
        return
    st.caption(label)
    for col, side in zip(st.columns(4), SIDES, strict=True):
        col.number_input(side, 0, hi, key=f"playground_{name}_{side}")


def filter_choice(colour: bool = True) -> None:
    """The filter preset (and, for pictures, the colour handling): the layer's first choices."""
    st.selectbox(
        "Filter preset",
        PRESETS,
        key="playground_filter",
        format_func=preset_label,
        on_change=_on_preset_change,
        help="Picking a preset loads its numbers into the filter editors, where you can change them.",
    )
    if not colour:
        return
    st.radio(
        "Colour handling",
        list(MODES),
        key="playground_mode",
        format_func=MODES.get,
        on_change=_on_mode_change,
        horizontal=True,
        help="Grayscale: one map per filter from the brightness. Each channel: every filter on every channel "
        "separately. 3-D kernel: each filter has one slice per channel, summed into one map.",
    )


def use_grayscale() -> None:
    """For a one-channel input (a spectrogram): the layer reads it as it is, one map per filter."""
    if st.session_state["playground_mode"] != "grayscale":
        st.session_state["playground_mode"] = "grayscale"
        filter_bank.sync_for_mode("grayscale", 1)


def _sidebar() -> None:
    with st.sidebar:
        st.header("Convolution")
        st.toggle(
            "Different for rows and columns",
            key="playground_per_axis",
            help="Separate strides, dilations, windows and padding for rows and columns (and for each side).",
        )
        _two("Stride", "stride", MAX_STRIDE, help="How many pixels the kernel moves each step.")
        _two("Dilation", "dilation", MAX_DILATION, help="Gaps between the kernel's taps: 2 spreads a 3×3 over 5×5.")
        st.radio(
            "Padding",
            list(PADDINGS),
            key="playground_padding",
            format_func=PADDINGS.get,
            horizontal=True,
            help="same: TensorFlow's rule, ⌈W / S⌉ outputs, an odd zero goes at the bottom or right.",
        )
        if st.session_state["playground_padding"] == "explicit":
            _four("Zeros on each side", "pad", MAX_PAD)
        st.toggle(
            "Normalized match (÷ number of kernel weights)",
            key="playground_normalized",
            help="As the X-or-O lesson scores matches: a perfect ±1 match gives 1, a perfect mismatch −1.",
        )
        st.toggle("ReLU", key="playground_relu", help="Off: the feature map goes to pooling unchanged, signs and all.")
        st.header("Pooling")
        st.radio("Pooling", list(POOLS), key="playground_pool", format_func=POOLS.get, horizontal=True)
        if st.session_state["playground_pool"] != "none":
            _two("Window", "window", MAX_WINDOW)
            _two("Pool stride", "pool_stride", MAX_POOL_STRIDE)
            _four("Pooling padding", "pool_pad", MAX_WINDOW // 2)
            st.toggle(
                "Keep partial windows (ceil mode)",
                key="playground_ceil",
                help="A last window that runs off the edge still counts, covering the cells that exist: "
                "2×2 pooling at stride 2 turns a 7×7 map into 4×4.",
            )
            if st.session_state["playground_pool"] == "average":
                st.toggle("Average counts the padding zeros", key="playground_count_pad")


# ---------------------------------------------------------------- display
def _axis_formula(n: int, k: int, s: int, d: int, before: int, after: int, ceil: bool = False) -> str:
    pads = f"2·{before}" if before == after else f"{before} + {after}"
    taps = f"{k}" if d == 1 else f"{d}·({k} − 1) + 1"
    bracket = ("⌈", "⌉") if ceil else ("⌊", "⌋")
    result = output_size(n, k, s, (before, after), d, ceil)
    text = f"{bracket[0]}({n} − {taps} + {pads}) / {s}{bracket[1]} + 1 = **{result}**"
    reached = (result - 1) * s + (d * (k - 1) + 1)
    missed = n + before + after - reached
    if missed > 0 and not ceil:
        text += f" (the last {missed} padded cell{'s are' if missed > 1 else ' is'} never reached: the stride does not fit evenly)"
    return text


def conv_formula(h: int, w: int, kernel_hw: tuple[int, int], conv: ConvSettings) -> str:
    top, left, bottom, right = conv.padding
    rows = _axis_formula(h, kernel_hw[0], conv.stride[0], conv.dilation[0], top, bottom)
    cols = _axis_formula(w, kernel_hw[1], conv.stride[1], conv.dilation[1], left, right)
    if rows == cols:
        return f"Output size = ⌊(W − K + 2P) / S⌋ + 1 = {cols}"
    return f"Output size = ⌊(W − K + P) / S⌋ + 1: height {rows}; width {cols}"


def pool_formula(result: PipelineResult) -> str:
    pool = result.pool
    h, w = result.rectified.shape[1:]
    top, left, bottom, right = pool.padding
    rows = _axis_formula(h, pool.window[0], pool.stride[0], 1, top, bottom, pool.ceil)
    cols = _axis_formula(w, pool.window[1], pool.stride[1], 1, left, right, pool.ceil)
    return f"height {rows}; width {cols}" if rows != cols else cols


def _panel_title(number: int, title: str, shape: str) -> None:
    st.markdown(f"**{number} · {title}**  \n`{shape}`")


def _downloads(name: str, png: Callable[[], np.ndarray], maps: np.ndarray) -> None:
    """PNG and CSV of a panel, made only when clicked (a full-size PNG is several MB of work)."""
    c1, c2 = st.columns(2)
    c1.download_button(
        "PNG",
        lambda: png_bytes(png()),
        f"convscope-{name}.png",
        "image/png",
        key=f"playground_dl_{name}_png",
        on_click="ignore",
        width="stretch",
    )
    c2.download_button(
        "CSV",
        lambda: csv_text(maps),
        f"convscope-{name}.csv",
        "text/csv",
        key=f"playground_dl_{name}_csv",
        on_click="ignore",
        width="stretch",
    )


def _maps(
    maps: np.ndarray, names: tuple[str, ...], shown: bytes, limit: float, gray: tuple[float, float] | None = None
) -> Callable[[], np.ndarray]:
    """Small maps as number grids (every value written), larger ones as their display picture;
    returns how to make the full-size picture its PNG download holds."""
    if is_small(maps) and maps.shape[0] <= 8:
        for name, values in zip(names, maps, strict=True):
            if len(names) > 1:
                st.caption(name)
            st.html(number_table_html(values, limit, gray_range=gray, cell_px=48, fit=True))
        return lambda: numbers_picture(maps, limit, gray)
    st.image(shown, width="stretch")
    if len(names) > 1:
        st.caption("Left to right, top to bottom: " + ", ".join(names) + ".")
    if gray is not None:
        return lambda: enlarge(input_picture(maps, gray))
    return lambda: full_picture(maps, limit)


def _panels(source: Picture | None, channels: np.ndarray, result: PipelineResult, pictures: PanelPictures) -> None:
    feature, limit, names = result.feature, pictures.limit, result.map_names
    if (is_small(feature) and is_small(channels)) or display.projector():
        # Grids of numbers need room to be read, and a projector is read from the back row: two panels a row.
        c_in, c_fm = st.columns(2, gap="large")
        c_relu, c_pool = st.columns(2, gap="large")
    else:
        c_in, c_fm, c_relu, c_pool = st.columns(4, gap="medium")
    with c_in:
        typed = source is None
        kind = "typed" if typed else ("grayscale" if channels.shape[0] == 1 else "RGB")
        _panel_title(
            1,
            "Input, as the network sees it",
            f"{channels.shape[1]}×{channels.shape[2]}"
            + (f"×{channels.shape[0]}" if typed and channels.shape[0] > 1 else "")
            + f" {kind}",
        )
        lo, hi = value_range(channels)
        if typed or channels.shape[0] == 1:
            names_in = channel_names(channels.shape[0]) if channels.shape[0] > 1 else ("input",)
            png = _maps(channels, names_in, pictures.input, limit, gray=(lo, hi))
        else:
            st.image(pictures.input, width="stretch")
            png = lambda: enlarge(input_picture(channels, (lo, hi)))  # noqa: E731
        about = (
            "numbers as typed"
            if typed
            else source.source + (f"; {'; '.join(source.all_notes)}" if source.all_notes else "")
        )
        st.caption(f"Values {format_number(lo)} to {format_number(hi)}. {about[:1].upper()}{about[1:]}.")
        _downloads("input", png, channels)
    with c_fm:
        _panel_title(2, "Feature map (convolution)", shape_label(feature))
        png = _maps(feature, names, pictures.feature, limit)
        saturated = pictures.beyond_scale
        st.html(
            legend_html(
                float(feature.min()),
                float(feature.max()),
                limit,
                f"{saturated:.1%} of values beyond the colour scale" if saturated else "",
            )
        )
        _downloads("feature-map", png, feature)
    with c_relu:
        title = "ReLU: negatives set to 0" if result.relu else "No ReLU: the map passes unchanged"
        _panel_title(3, title, shape_label(result.rectified))
        png = _maps(result.rectified, names, pictures.relu, limit)
        if result.relu:
            st.markdown(
                f"ReLU zeroed **{result.relu_zeroed:.1%}** of the values (every negative one); "
                f"max stays {format_number(float(result.rectified.max()))}."
            )
        _downloads("relu", png, result.rectified)
    with c_pool:
        _pool_panel(result, pictures, names)


def _pool_panel(result: PipelineResult, pictures: PanelPictures, names: tuple[str, ...]) -> None:
    pool = result.pool
    if pool.kind == "none":
        _panel_title(4, "No pooling", shape_label(result.rectified))
        st.markdown("Pooling is off: the next layer would get the ReLU output as it is.")
        return
    if result.pooled is None or pictures.pooled is None:
        _panel_title(4, f"{pool.kind.capitalize()} pooling", "—")
        st.error(result.pool_error)
        return
    pooled = result.pooled
    _panel_title(4, f"{pool.kind.capitalize()} pooling", shape_label(pooled))
    png = _maps(pooled, names, pictures.pooled, pictures.limit)
    before, after = result.rectified[0].size, pooled[0].size
    st.markdown(
        f"{pool.window[0]}×{pool.window[1]} window, stride {_pair_text(pool.stride)}"
        + (", partial windows kept" if pool.ceil else "")
        + f": {shape_label(result.rectified)} → {shape_label(pooled)}, **{before / after:.1f}× fewer** values. "
        + f"Output size: {pool_formula(result)}."
    )
    _downloads("pooled", png, pooled)


def _pair_text(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]} (rows), {pair[1]} (columns)"


# ---------------------------------------------------------------- explain a pixel
def _on_cell_clicked() -> None:
    """A click on the linked maps, before the rerun: the tables follow the clicked cell."""
    cell = linked_maps.clicked_cell("playground_cell")
    if cell is not None:
        st.session_state["_playground_pixel_chosen"] = True
        st.session_state["playground_row"], st.session_state["playground_col"] = cell


@st.fragment
def _explain(layer: tuple) -> None:
    """Explain a pixel. A fragment: a click, a row or column typed or another map reruns only this.
    It is given compute's arguments, not its result: a session keeps its input between reruns, never
    a result the shared cache has let go (compute gives the cached one, or computes it again)."""
    channels = layer[0]
    result, pictures = compute(*layer)
    st.subheader("Explain a pixel")
    st.caption(
        "Point at the feature map: its value, the input patch the kernel read (left) and where pooling "
        "passes it on (right) light up. Click a cell (or type a row and column) to pin it and see every "
        "number behind it. CNNs compute cross-correlation — the kernel slides over the image without "
        "being flipped — and call it convolution."
    )
    n_maps, h, w = result.feature.shape
    st.session_state["playground_map"] = min(int(st.session_state.get("playground_map", 0)), n_maps - 1)
    map_index = 0
    if n_maps > 1:
        map_index = st.radio(
            "Map",
            list(range(n_maps)),
            key="playground_map",
            format_func=lambda i: result.map_names[i],
            horizontal=True,
        )
    if not st.session_state.get("_playground_pixel_chosen"):
        # Until the user picks a pixel, explain the strongest positive response: it survives ReLU.
        fmap = result.feature[map_index]
        best = np.argmax(fmap) if fmap.max() > 0 else np.argmax(np.abs(fmap))
        r, c = np.unravel_index(int(best), (h, w))
        st.session_state["playground_row"], st.session_state["playground_col"] = int(r), int(c)
    st.session_state["playground_row"] = min(int(st.session_state["playground_row"]), h - 1)
    st.session_state["playground_col"] = min(int(st.session_state["playground_col"]), w - 1)
    row, col = st.session_state["playground_row"], st.session_state["playground_col"]
    conv, pool = result.conv, result.pool
    kernel = result.kernel_of(map_index)
    memo = st.session_state.get("_playground_linked")
    # pictures and values once per result and map; a weak reference, so that a session never keeps a
    # result alive after the shared cache has let it go (the classroom memory bound)
    if memo is None or memo[0]() is not result or memo[1] != map_index:
        panels = linked_maps.encode_panels(linked_maps.layer_panels(channels, result, pictures, map_index))
        memo = st.session_state["_playground_linked"] = (weakref.ref(result), map_index, panels)
    linked_maps.linked_maps(
        "playground_cell",
        linked_maps.payload(
            memo[2],
            kernel.shape[-2:],
            conv.stride,
            conv.dilation,
            conv.padding[:2],
            None
            if result.pooled is None
            else {"window": list(pool.window), "stride": list(pool.stride), "pad": list(pool.padding[:2])},
            (row, col),
        ),
        on_cell=_on_cell_clicked,
    )
    left, right = st.columns([2, 3], gap="large")
    with left:
        c1, c2 = st.columns(2)
        row = c1.number_input("Row", 0, h - 1, key="playground_row", on_change=_pixel_chosen)
        col = c2.number_input("Column", 0, w - 1, key="playground_col", on_change=_pixel_chosen)
        if not st.session_state.get("_playground_pixel_chosen"):
            st.caption("Showing the strongest response until you pick a pixel.")
    reads = result.input_channels_of(map_index)
    divisor = float(kernel.size) if conv.normalized else 1.0
    bias = result.biases[result.filter_of(map_index)]
    ex = explain_conv(channels[reads], kernel, row, col, conv.stride, conv.padding, bias, divisor, conv.dilation)
    if max(channels.shape[1:]) > 32:  # on a small input the linked picture above already shows the patch
        with right:
            explain_view.input_zoom(channels, reads, ex, value_range(channels))
    _explain_numbers(result, ex, map_index, row, col, value_range(channels))
    view = st.session_state.get("_playground_view")
    if view is not None:  # the pinned pixel into the link, also when only this fragment reran
        _publish(
            replace(
                view,
                row=row if st.session_state.get("_playground_pixel_chosen") else None,
                col=col if st.session_state.get("_playground_pixel_chosen") else None,
                map=map_index,
            ),
            st.session_state.get("_playground_link_extra"),
        )


def _pixel_chosen() -> None:
    st.session_state["_playground_pixel_chosen"] = True


def _explain_numbers(result: PipelineResult, ex, map_index: int, row: int, col: int, gray: tuple[float, float]) -> None:
    _, h, w = result.image.shape
    reads = result.input_channels_of(map_index)
    slice_names = (
        [channel_names(result.image.shape[0])[c] for c in reads] if len(reads) > 1 else [result.map_names[map_index]]
    )
    for i, name in enumerate(slice_names):
        if len(slice_names) > 1:
            st.markdown(f"**{name} slice**: its products sum to **{format_number(float(ex.channel_sums[i]), 4)}**")
        explain_view.patch_tables(ex, i, (h, w), gray)
    st.markdown(f"Feature map at row {row}, column {col}: {explain_view.sum_sentence(ex)}.")
    if not result.relu:
        st.markdown(f"**ReLU** is off: {format_number(ex.value, 4)} goes to pooling as it is.")
    elif ex.value < 0:
        st.markdown(f"**ReLU**: {format_number(ex.value, 4)} is negative, so ReLU outputs **0**.")
    else:
        st.markdown(f"**ReLU**: {format_number(ex.value, 4)} is not negative, so ReLU keeps it.")
    _explain_pool(result, map_index, row, col)


def _explain_pool(result: PipelineResult, map_index: int, row: int, col: int) -> None:
    pool = result.pool
    if pool.kind == "none" or result.pooled is None:
        st.markdown("**Pooling**: " + ("off." if pool.kind == "none" else "the window does not fit this map."))
        return
    pe = explain_pool(result.rectified[map_index], row, col, pool)
    value = float(result.rectified[map_index, row, col])
    if pe is None:
        st.markdown(
            f"**Pooling**: with stride {_pair_text(pool.stride)} and a {pool.window[0]}×{pool.window[1]} window, "
            "no pooling window covers this location: pooling skips it."
        )
        return
    where = f"row {pe.out_row}, column {pe.out_col}"
    if pool.kind == "max":
        if pe.is_winner:
            verdict = f"{format_number(value, 4)} is the window's largest value: it **wins** and becomes the pooled output at {where}"
        else:
            verdict = (
                f"{format_number(value, 4)} **does not win**: the window's max is {format_number(pe.pooled, 4)} "
                f"(at row {pe.top + pe.winner[0]}, column {pe.left + pe.winner[1]}), and that max becomes the pooled "
                f"output at {where}"
            )
    else:
        verdict = (
            f"the window's **average**, the sum of its values ÷ {pe.counted} cells = {format_number(pe.pooled, 4)}, "
            f"becomes the pooled output at {where}"
        )
    extra = []
    if pe.padding_cells:
        extra.append(
            f"{pe.padding_cells} of its cells are padding"
            + ("" if pool.kind == "average" and pool.count_pad else ", which never count")
        )
    if pe.missing_cells:
        extra.append(f"{pe.missing_cells} lie past the edge (a partial window)")
    c1, c2 = st.columns([1, 2])
    local = (row - pe.top, col - pe.left)
    with c1:
        st.html(number_table_html(pe.window, highlight=pe.winner if pool.kind == "max" else local))
    with c2:
        st.markdown(
            f"**Pooling**: row {row}, column {col} falls in the window with rows {pe.top}–{pe.top + pool.window[0] - 1}, "
            f"columns {pe.left}–{pe.left + pool.window[1] - 1} (left); {verdict}."
            + (f" ({'; '.join(extra)}.)" if extra else "")
        )


# ---------------------------------------------------------------- the page
def start() -> None:
    """First in every run of a page that shows the playground's layer: defaults, the link, the editors' texts."""
    state.ensure_defaults(DEFAULTS)
    _first_visit()
    filter_bank.keep_texts()


def render() -> None:
    start()
    st.title("Filter playground")
    for note in st.session_state.get("_playground_link_notes", ()):
        st.warning(note)
    st.markdown(
        "Pick an image and a layer of filters: see the **feature maps** they make, what **ReLU** keeps, and what "
        "**pooling** passes on — then click any pixel to see the arithmetic behind it."
    )
    with st.sidebar:
        st.header("Image")  # the working size; the image itself is chosen at the top of the page
    # The image and the filter, at the top of the page (above the results on a phone too).
    source_col, filter_col = st.columns(2, gap="medium")
    with source_col:
        source = image_source(PAGE, list(SAMPLES), sources=SOURCES, size_in=st.sidebar)
    with filter_col:
        filter_choice()
    layer(source)


def layer(source: Picture | np.ndarray | None, link_extra: dict[str, str] | None = None) -> None:
    """The layer on `source`: its settings in the sidebar, the filter editors, the four panels and
    "Explain a pixel"; its view goes into the page's link. link_extra: another page's own link parameters
    (the sound page's), in place of the picture's."""
    _sidebar()
    typed = isinstance(source, np.ndarray)
    channels_in = source.shape[0] if typed else _input_channels(st.session_state["playground_mode"])
    # On a phone the results come before the number editors (display.PHONE_CSS orders these containers).
    with st.container(key=display.EDITOR_KEY):
        editor_col, about_col = st.columns([8, 5], gap="medium")
    with editor_col:
        bank = filter_bank.editor(st.session_state["playground_mode"], channels_in)
    # The view, once per rerun: the link, the "edited" sentence and the computation all read it.
    view = None if bank is None else view_from_state(source if typed else None, *bank)
    with about_col:
        _about(view is not None and bool(view.kernels))
    if view is None:
        return
    _publish(view, link_extra)
    if source is None:
        return
    kernels, biases = bank
    channels = _channels(source, view.mode)
    kernel_hw = kernels[0].shape[-2:]
    conv = view.conv_settings(channels.shape[1:], kernel_hw)
    try:
        layer = (channels, np.stack(kernels), tuple(biases), view.mode, conv, view.pool_settings(), view.relu)
        result, pictures = compute(*layer)
    except ConvScopeError as exc:
        st.error(str(exc))
        return
    with about_col:
        _layer_facts(result, conv, kernel_hw, channels)
    with st.container(key=display.RESULTS_KEY):
        _panels(None if typed else source, channels, result, pictures)
    st.divider()
    _explain(layer)


def _channels(source: Picture | np.ndarray, mode: str) -> np.ndarray:
    """(C, H, W) as the layer sees it: a typed grid as it is (its mean in grayscale mode), a picture's
    luminance or its R, G and B."""
    if isinstance(source, np.ndarray):
        return source.mean(axis=0, keepdims=True) if mode == "grayscale" and source.shape[0] > 1 else source
    return to_channels(source, grayscale=(mode == "grayscale"))


def _about(edited: bool) -> None:
    key = st.session_state["playground_filter"]
    st.markdown(f"**{'Your own filters, started from ' if edited else ''}{preset_label(key).split(' · ')[1]}**")
    st.markdown(
        preset_explanation(key)
        if not edited
        else "Your own numbers: each feature map is large wherever the image looks like its filter."
    )


def _layer_facts(result: PipelineResult, conv: ConvSettings, kernel_hw: tuple[int, int], channels: np.ndarray) -> None:
    m, c_k = result.kernels.shape[:2]
    weights = m * c_k * kernel_hw[0] * kernel_hw[1]
    st.markdown(
        conv_formula(channels.shape[1], channels.shape[2], kernel_hw, conv)
        + f" with K = {kernel_hw[0]}×{kernel_hw[1]}, P = {_pads_text(conv.padding)}, S = {_pair_text(conv.stride)}"
        + (f", dilation {_pair_text(conv.dilation)}" if conv.dilation != (1, 1) else "")
        + "."
    )
    st.markdown(
        f"Output volume **{shape_label(result.feature)}**. Parameters: {m} filter{'s' if m > 1 else ''} × "
        f"{c_k}×{kernel_hw[0]}×{kernel_hw[1]} weights + {m} bias{'es' if m > 1 else ''} = **{weights + m}**."
    )


def _pads_text(pads: tuple[int, int, int, int]) -> str:
    """'1' when every side has the same zeros, else 'top 0, left 0, bottom 1, right 1'."""
    if len(set(pads)) == 1:
        return str(pads[0])
    return ", ".join(f"{side} {n}" for side, n in zip(SIDES, pads, strict=True))
