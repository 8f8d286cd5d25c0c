"""Filter playground: convolution -> ReLU -> pooling on any image, every number explained."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from viz.errors import ConvScopeError
from viz.explain import explain_conv, explain_pool
from viz.images import Picture, to_channels
from viz.kernels import (
    DEFAULT_KERNEL,
    KERNELS,
    MAX_KERNEL_SIZE,
    MAX_KERNEL_TEXT,
    format_kernel_text,
    parse_kernel_text,
    resize_kernel,
)
from viz.ops import ConvSettings, PoolSettings, conv_padding, output_size
from viz.pipeline import CHANNEL_NAMES, PipelineResult, as_kernel_stack, panel_pictures, run_pipeline, shape_label
from viz.render import (
    csv_text,
    diverging,
    enlarge,
    format_number,
    grayscale,
    legend_html,
    number_table_html,
    outline,
    picture_rgb,
    png_bytes,
    robust_limit,
)
from viz.samples import DEFAULT_SAMPLE, SAMPLES
from viz.ui import explain_view, state
from viz.ui.caching import cached_result
from viz.ui.inputs import image_source

PAGE = "playground"
MODES = {"grayscale": "Grayscale", "per_channel": "Each colour channel", "3d": "One 3-D kernel over R, G, B"}
PADDINGS = {"valid": "valid (none)", "same": "same", "explicit": "explicit zeros"}
POOLS = {"max": "max", "average": "average"}
SLICES = ("R", "G", "B")
DEFAULTS = {
    "playground_source": "Sample",
    "playground_sample": DEFAULT_SAMPLE,
    "playground_size": 512,
    "playground_filter": DEFAULT_KERNEL,
    "playground_mode": "grayscale",
    "playground_stride": 1,
    "playground_padding": "valid",
    "playground_pad": 1,
    "playground_bias": 0.0,
    "playground_normalized": False,
    "playground_pool": "max",
    "playground_window": 2,
    "playground_pool_stride": 2,
    "playground_row": 0,
    "playground_col": 0,
    "playground_map": 0,
}
URL_PARAMS = {
    "sample": state.one_of(SAMPLES),
    "size": state.int_in(64, 1024),
    "filter": state.one_of(KERNELS),
    "mode": state.one_of(MODES),
    "stride": state.int_in(1, 4),
    "padding": state.one_of(PADDINGS),
    "pad": state.int_in(0, 10),
    "bias": state.float_in(-1e6, 1e6),
    "normalized": state.flag,
    "pool": state.one_of(POOLS),
    "window": state.int_in(2, 4),
    "pool_stride": state.int_in(1, 4),
}


# ---------------------------------------------------------------- kernel text state
def _text_keys(mode: str) -> list[str]:
    return [f"playground_kernel_{s}" for s in SLICES] if mode == "3d" else ["playground_kernel"]


def _load_kernel(kernel: np.ndarray) -> None:
    """Write a (K, K) kernel into the editor: as is, and as R, G, B slices of a 3-D kernel."""
    st.session_state["playground_kernel"] = format_kernel_text(kernel)
    for key, piece in zip(_text_keys("3d"), as_kernel_stack(kernel, "3d"), strict=True):
        st.session_state[key] = format_kernel_text(piece)


def _on_filter_change() -> None:
    _load_kernel(KERNELS[st.session_state["playground_filter"]].weights)


def _keep_kernel_texts() -> None:
    """Streamlit forgets a widget's value on a run where it is not drawn: the 2-D editor is hidden in
    3-D mode and the slice editors outside it, so re-assert all of them each run."""
    for key in ("playground_kernel", *_text_keys("3d")):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _current_kernel_or_preset() -> np.ndarray:
    try:
        return parse_kernel_text(st.session_state.get("playground_kernel", ""))
    except ConvScopeError:
        return KERNELS[st.session_state["playground_filter"]].weights


def _on_size_change() -> None:
    size = st.session_state["playground_kernel_size"]
    _load_kernel(resize_kernel(_current_kernel_or_preset(), size))


def _on_mode_change() -> None:
    """Carry the kernel across modes: into 3-D as equal slices, out of 3-D as the sum of the slices
    (the same response on a gray image) when the slices were edited."""
    if st.session_state["playground_mode"] == "3d":
        _load_kernel(_current_kernel_or_preset())
        return
    try:
        stack = np.stack([parse_kernel_text(st.session_state.get(k, "")) for k in _text_keys("3d")])
    except (ConvScopeError, ValueError):
        return
    flat = _current_kernel_or_preset()
    reference = as_kernel_stack(flat, "3d")
    if stack.shape != reference.shape or not np.allclose(stack, reference, atol=1e-6):
        _load_kernel(stack.sum(axis=0))


def _encode_kernel(stack: np.ndarray) -> str:
    return "|".join(";".join(",".join(f"{v:.6g}" for v in row) for row in piece) for piece in stack)


def _restore_kernel_from_url() -> None:
    """A shared link may carry an edited kernel: 'k=1,0,-1;2,0,-2;1,0,-1' (slices joined by '|')."""
    if st.session_state.get("_playground_kernel_restored"):
        return
    st.session_state["_playground_kernel_restored"] = True
    _on_filter_change()
    raw = st.query_params.get("k")
    if not raw:
        return
    if len(raw) > MAX_KERNEL_TEXT:
        st.session_state["_playground_link_note"] = (
            f"The link's kernel (k) is {len(raw):,} characters long, more than a kernel needs: "
            "it was ignored and the preset's kernel is shown."
        )
        return
    pieces = raw.split("|")
    texts = ["\n".join(piece.split(";")) for piece in pieces]
    if len(pieces) == 3:
        for key, text in zip(_text_keys("3d"), texts, strict=True):
            st.session_state[key] = text
    elif len(pieces) == 1:
        st.session_state["playground_kernel"] = texts[0]


# ---------------------------------------------------------------- computation (cached)
@cached_result(max_entries=24)
def compute(
    channels: np.ndarray, kernel: np.ndarray, mode: str, conv: ConvSettings, pool: PoolSettings
) -> tuple[PipelineResult, dict[str, np.ndarray]]:
    """The pipeline and its panel pictures; recomputed only when the input or a setting changes."""
    result = run_pipeline(channels, kernel, mode, conv, pool)
    pictures = panel_pictures(result)
    return result, pictures


# ---------------------------------------------------------------- widgets
def _sidebar() -> tuple[Picture | None, str, ConvSettings | None, PoolSettings]:
    with st.sidebar:
        st.header("1 · Image")
        picture = image_source(PAGE, list(SAMPLES))
        st.header("2 · Filter")
        st.selectbox(
            "Preset filter",
            list(KERNELS),
            key="playground_filter",
            format_func=lambda k: f"{KERNELS[k].group} · {KERNELS[k].name}",
            on_change=_on_filter_change,
            help="Picking a preset loads its numbers into the kernel editor, where you can change them.",
        )
        mode = st.radio(
            "Colour handling",
            list(MODES),
            key="playground_mode",
            format_func=MODES.get,
            on_change=_on_mode_change,
            help="Grayscale: one map from the brightness. Each channel: the kernel on R, G and B separately "
            "(three maps). 3-D kernel: a K×K×3 kernel, one slice per colour, summed into one map.",
        )
        st.header("3 · Convolution")
        stride = st.slider(
            "Stride",
            1,
            4,
            DEFAULTS["playground_stride"],
            key="playground_stride",
            help="How many pixels the kernel moves each step.",
        )
        padding_mode = st.radio(
            "Padding", list(PADDINGS), key="playground_padding", format_func=PADDINGS.get, horizontal=True
        )
        explicit = 0
        if padding_mode == "explicit":
            explicit = st.number_input("Zeros on each side", 0, 10, DEFAULTS["playground_pad"], key="playground_pad")
        bias = st.number_input(
            "Bias (added to every value)",
            -1e6,
            1e6,
            DEFAULTS["playground_bias"],
            0.1,
            key="playground_bias",
            format="%g",
        )
        normalized = st.toggle(
            "Normalized match (÷ number of kernel weights)",
            key="playground_normalized",
            help="As the X-or-O lesson scores matches: a perfect ±1 match gives 1, a perfect mismatch −1.",
        )
        st.header("4 · Pooling")
        kind = st.radio("Pooling", list(POOLS), key="playground_pool", format_func=POOLS.get, horizontal=True)
        window = st.slider("Window", 2, 4, DEFAULTS["playground_window"], key="playground_window")
        pool_stride = st.slider("Pool stride", 1, 4, DEFAULTS["playground_pool_stride"], key="playground_pool_stride")
    pool = PoolSettings(kind, window, pool_stride)
    return picture, mode, (padding_mode, explicit, stride, float(bias), normalized), pool


def _kernel_editor(mode: str) -> np.ndarray | None:
    """The editable kernel; returns the (C_k, K, K) kernel or None after showing what is wrong."""
    preset = KERNELS[st.session_state["playground_filter"]]
    keys = _text_keys(mode)
    labels = [f"{s} slice" for s in SLICES] if mode == "3d" else ["Kernel"]
    pieces, errors = [], []
    cols = st.columns(len(keys))
    for col, key, label in zip(cols, keys, labels, strict=True):
        with col:
            st.text_area(
                f"{label}: one row per line",
                key=key,
                max_chars=MAX_KERNEL_TEXT,
                height=68 + 22 * min(MAX_KERNEL_SIZE, max(1, st.session_state[key].count("\n") + 1)),
                help="Numbers separated by spaces or commas; fractions such as 1/9 work. "
                f"Square, from 1×1 to {MAX_KERNEL_SIZE}×{MAX_KERNEL_SIZE}.",
            )
            try:
                pieces.append(parse_kernel_text(st.session_state[key]))
            except ConvScopeError as exc:
                errors.append(f"{label}: {exc}" if mode == "3d" else str(exc))
    if errors:
        for message in errors:
            st.error(message)
        return None
    if len({p.shape for p in pieces}) > 1:
        st.error("The three slices of a 3-D kernel must have the same size.")
        return None
    stack = np.stack(pieces)
    reference = as_kernel_stack(preset.weights, mode)
    edited = stack.shape != reference.shape or not np.allclose(stack, reference, atol=1e-6)
    size = stack.shape[-1]
    c1, c2 = st.columns([1, 1])
    with c1:
        st.session_state["playground_kernel_size"] = size
        st.selectbox(
            "Kernel size",
            list(range(1, MAX_KERNEL_SIZE + 1)),
            key="playground_kernel_size",
            format_func=lambda n: f"{n}×{n}",
            on_change=_on_size_change,
            help="Changing the size crops or pads the current kernel with zeros around its centre.",
        )
    with c2:
        st.write("")
        st.button("Reset to preset", key="playground_reset", on_click=_on_filter_change, disabled=not edited)
    st.session_state["_playground_edited"] = edited
    return stack


def _conv_settings(options: tuple, image_hw: tuple[int, int], kernel_size: int) -> ConvSettings:
    padding_mode, explicit, stride, bias, normalized = options
    pads = conv_padding(padding_mode, image_hw, (kernel_size,) * 2, (stride,) * 2, (1, 1), explicit)
    return ConvSettings(stride, pads, bias, normalized)


# ---------------------------------------------------------------- display
def _size_formula(n_h: int, n_w: int, k: int, conv: ConvSettings) -> str:
    top, left, bottom, right = conv.padding
    s = conv.stride[0]

    def one(n: int, before: int, after: int) -> str:
        pads = f"2·{before}" if before == after else f"{before} + {after}"
        return f"⌊({n} − {k} + {pads}) / {s}⌋ + 1 = **{output_size(n, k, s, (before, after))}**"

    if n_h == n_w and (top, bottom) == (left, right):
        return f"Output size = ⌊(W − K + 2P) / S⌋ + 1 = {one(n_w, left, right)}"
    return f"Output size = ⌊(W − K + 2P) / S⌋ + 1: width {one(n_w, left, right)}; height {one(n_h, top, bottom)}"


def _pads_text(pads: tuple[int, int, int, int]) -> str:
    """'1' when every side has the same zeros, else 'top 0, left 0, bottom 1, right 1'."""
    if len(set(pads)) == 1:
        return str(pads[0])
    return ", ".join(f"{side} {n}" for side, n in zip(("top", "left", "bottom", "right"), pads, strict=True))


def _panel_title(number: int, title: str, shape: str) -> None:
    st.markdown(f"**{number} · {title}**  \n`{shape}`")


def _downloads(name: str, picture: np.ndarray, maps: np.ndarray, names: tuple[str, ...]) -> None:
    c1, c2 = st.columns(2)
    c1.download_button(
        "PNG",
        lambda: png_bytes(picture),
        f"convscope-{name}.png",
        "image/png",
        key=f"playground_dl_{name}_png",
        on_click="ignore",
        width="stretch",
    )
    c2.download_button(
        "CSV",
        lambda: csv_text(maps, names),
        f"convscope-{name}.csv",
        "text/csv",
        key=f"playground_dl_{name}_csv",
        on_click="ignore",
        width="stretch",
    )


def _panels(picture: Picture, channels: np.ndarray, result: PipelineResult, pictures: dict, mode: str) -> None:
    feature, pooled = result.feature, result.pooled
    limit = robust_limit(feature)
    names = result.map_names
    big = {name: enlarge(picture) for name, picture in pictures.items()}  # shown and downloaded alike
    c_in, c_fm, c_relu, c_pool = st.columns(4, gap="medium")
    with c_in:
        kind = "grayscale" if channels.shape[0] == 1 else "RGB"
        _panel_title(1, "Input, as the network sees it", f"{channels.shape[1]}×{channels.shape[2]} {kind}")
        shown = (
            grayscale(channels[0], *_value_range(channels)) if channels.shape[0] == 1 else picture_rgb(picture.pixels)
        )
        shown = enlarge(shown)
        st.image(shown, width="stretch")
        lo, hi = _value_range(channels)
        st.caption(
            f"Values {format_number(lo)} to {format_number(hi)}. {picture.source}"
            + (f"; {'; '.join(picture.all_notes)}." if picture.all_notes else ".")
        )
        _downloads("input", shown, channels, CHANNEL_NAMES["grayscale"] if channels.shape[0] == 1 else SLICES)
    with c_fm:
        _panel_title(2, "Feature map (convolution)", shape_label(feature))
        st.image(big["feature"], width="stretch")
        saturated = float(np.mean(np.abs(feature) > limit))
        st.html(
            legend_html(
                float(feature.min()),
                float(feature.max()),
                limit,
                f"{saturated:.1%} of values beyond the colour scale" if saturated else "",
            )
        )
        if len(names) > 1:
            st.caption("Left to right: " + ", ".join(names) + ".")
        _downloads("feature-map", big["feature"], feature, names)
    with c_relu:
        _panel_title(3, "ReLU: negatives set to 0", shape_label(result.rectified))
        st.image(big["relu"], width="stretch")
        st.markdown(
            f"ReLU zeroed **{result.relu_zeroed:.1%}** of the values (every negative one); "
            f"max stays {format_number(float(result.rectified.max()))}."
        )
        _downloads("relu", big["relu"], result.rectified, names)
    with c_pool:
        pool = result.pool
        _panel_title(4, f"{pool.kind.capitalize()} pooling", shape_label(pooled))
        st.image(big["pooled"], width="stretch")
        before, after = result.rectified[0].size, pooled[0].size
        st.markdown(
            f"{pool.window[0]}×{pool.window[1]} window, stride {pool.stride[0]}: "
            f"{shape_label(result.rectified)} → {shape_label(pooled)}, "
            f"**{before / after:.1f}× fewer** values."
        )
        _downloads("pooled", big["pooled"], pooled, names)


def _value_range(channels: np.ndarray) -> tuple[float, float]:
    lo, hi = float(channels.min()), float(channels.max())
    return (0.0, 1.0) if lo >= 0.0 and hi <= 1.0 else (lo, hi)


def _explain(channels: np.ndarray, result: PipelineResult, pictures: dict) -> None:
    st.subheader("Explain a pixel")
    st.caption(
        "Click the feature map (or type a row and column) to see every number behind that value. "
        "CNNs compute cross-correlation — the kernel slides over the image without being flipped — "
        "and call it convolution."
    )
    n_maps, h, w = result.feature.shape
    left, right = st.columns([2, 3], gap="large")
    with left:
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
        st.session_state["playground_row"] = min(st.session_state["playground_row"], h - 1)
        st.session_state["playground_col"] = min(st.session_state["playground_col"], w - 1)
        row, col = st.session_state["playground_row"], st.session_state["playground_col"]
        single = diverging(result.feature[map_index], robust_limit(result.feature))
        big = enlarge(single, min_side=320, max_side=520)
        scale = big.shape[0] // h
        marked = outline(big, row, col, 1, 1, colour=(255, 200, 0), scale=scale)
        shown_w = min(460, marked.shape[1])
        shown_h = round(marked.shape[0] * shown_w / marked.shape[1])
        click = streamlit_image_coordinates(
            marked, key="playground_click", cursor="crosshair", width=shown_w, height=shown_h
        )
        if click and click.get("unix_time") != st.session_state.get("_playground_last_click"):
            st.session_state["_playground_last_click"] = click.get("unix_time")
            st.session_state["_playground_pixel_chosen"] = True
            shown_w = click.get("width") or shown_w
            shown_h = click.get("height") or shown_h
            st.session_state["playground_row"] = int(min(h - 1, max(0, click["y"] * h // shown_h)))
            st.session_state["playground_col"] = int(min(w - 1, max(0, click["x"] * w // shown_w)))
            row, col = st.session_state["playground_row"], st.session_state["playground_col"]
        c1, c2 = st.columns(2)
        row = c1.number_input("Row", 0, h - 1, key="playground_row", on_change=_pixel_chosen)
        col = c2.number_input("Column", 0, w - 1, key="playground_col", on_change=_pixel_chosen)
        if not st.session_state.get("_playground_pixel_chosen"):
            st.caption("Showing the strongest response until you pick a pixel.")
    conv = result.conv
    reads = result.input_channels_of(map_index)
    divisor = float(result.kernel.size) if conv.normalized else 1.0
    ex = explain_conv(channels[reads], result.kernel, row, col, conv.stride, conv.padding, conv.bias, divisor)
    with right:
        explain_view.input_zoom(channels, reads, ex, _value_range(channels))
    _explain_numbers(result, ex, map_index, row, col, _value_range(channels))


def _pixel_chosen() -> None:
    st.session_state["_playground_pixel_chosen"] = True


def _explain_numbers(result: PipelineResult, ex, map_index: int, row: int, col: int, gray: tuple[float, float]) -> None:
    pool = result.pool
    _, h, w = result.image.shape
    slice_names = ("R", "G", "B") if ex.patch.shape[0] == 3 else (result.map_names[map_index],)
    for i, name in enumerate(slice_names):
        if len(slice_names) > 1:
            st.markdown(f"**{name} slice**: its products sum to **{format_number(float(ex.channel_sums[i]), 4)}**")
        explain_view.patch_tables(ex, i, (h, w), gray)
    st.markdown(f"Feature map at row {row}, column {col}: {explain_view.sum_sentence(ex)}.")
    relu_value = float(result.rectified[map_index, row, col])
    if ex.value < 0:
        st.markdown(f"**ReLU**: {format_number(ex.value, 4)} is negative, so ReLU outputs **0**.")
    else:
        st.markdown(
            f"**ReLU**: {format_number(ex.value, 4)} is not negative, so ReLU keeps it: **{format_number(relu_value, 4)}**."
        )
    pe = explain_pool(result.rectified[map_index], row, col, pool)
    if pe is None:
        st.markdown(
            f"**Pooling**: with stride {pool.stride[0]} and a {pool.window[0]}×{pool.window[1]} window, no pooling window covers "
            "this location: pooling skips it."
        )
        return
    local = (row - pe.top, col - pe.left)
    if pool.kind == "max":
        verdict = (
            "every value in this window is 0, so the max is 0"
            if pe.pooled == 0
            else "this value **wins** the max and passes on"
            if pe.is_winner
            else f"this value **does not win**: the max is {format_number(pe.pooled, 4)} "
            f"at row {pe.top + pe.winner[0]}, column {pe.left + pe.winner[1]}"
        )
    else:
        verdict = f"the window's **average** is {format_number(pe.pooled, 4)}"
    c1, c2 = st.columns([1, 2])
    with c1:
        st.html(number_table_html(pe.window, highlight=pe.winner if pool.kind == "max" else local))
    with c2:
        st.markdown(
            f"**Pooling**: row {row}, column {col} falls in the window with rows {pe.top}–{pe.top + pool.window[0] - 1}, "
            f"columns {pe.left}–{pe.left + pool.window[1] - 1} (left); {verdict}. "
            f"It becomes the pooled output at row {pe.out_row}, column {pe.out_col}."
        )


# ---------------------------------------------------------------- the page
def render() -> None:
    state.ensure_defaults(DEFAULTS)
    state.restore_from_url(PAGE, URL_PARAMS)
    _restore_kernel_from_url()
    _keep_kernel_texts()
    st.title("Filter playground")
    if note := st.session_state.pop("_playground_link_note", None):
        st.warning(note)
    st.markdown(
        "Pick an image and a filter: see the **feature map** the filter makes, what **ReLU** keeps, and what "
        "**pooling** passes on — then click any pixel to see the arithmetic behind it."
    )
    picture, mode, options, pool = _sidebar()
    preset = KERNELS[st.session_state["playground_filter"]]
    editor_col, grid_col, about_col = st.columns([5, 3, 5], gap="medium")
    with editor_col:
        kernel = _kernel_editor(mode)
    _publish(kernel)
    with grid_col:
        if kernel is not None:
            shown = kernel.sum(axis=0) if mode == "3d" else kernel[0]
            st.html(number_table_html(shown, cell_px=26 if kernel.shape[-1] > 7 else 40))
            if mode == "3d":
                st.caption("The sum of the R, G and B slices: what the kernel does to a gray image.")
    with about_col:
        edited = st.session_state.get("_playground_edited", False)
        st.markdown(f"**{'Custom kernel, started from ' if edited else ''}{preset.name}**")
        st.markdown(
            preset.explanation
            if not edited
            else "Your own numbers: the feature map is large wherever the image looks like them."
        )
    if picture is None or kernel is None:
        return
    channels = to_channels(picture, grayscale=(mode == "grayscale"))
    conv = _conv_settings(options, channels.shape[1:], kernel.shape[-1])
    try:
        result, pictures = compute(channels, kernel, mode, conv, pool)
    except ConvScopeError as exc:
        st.error(str(exc))
        return
    with about_col:
        st.markdown(
            _size_formula(channels.shape[1], channels.shape[2], kernel.shape[-1], conv)
            + f" with K = {kernel.shape[-1]}, P = {_pads_text(conv.padding)}, S = {conv.stride[0]}."
        )
    _panels(picture, channels, result, pictures, mode)
    st.divider()
    _explain(channels, result, pictures)


def _publish(kernel: np.ndarray | None) -> None:
    """Settings into the URL. Uploads are never put in a link: then only the filter and options are."""
    values = {name: st.session_state[f"playground_{name}"] for name in URL_PARAMS}
    if st.session_state["playground_source"] != "Sample":
        values.pop("sample")
    values["normalized"] = int(values["normalized"])
    if values["padding"] != "explicit":
        values.pop("pad")
    if kernel is not None and st.session_state.get("_playground_edited"):
        values["k"] = _encode_kernel(kernel)
    state.publish_to_url(values)
