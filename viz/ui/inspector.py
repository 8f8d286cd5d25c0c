"""Inside the CNN: every layer of a pretrained network, on the user's own image."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from torch import nn

from viz.activations import LayerOutput, capture, layer_input, relu_and_pool_stats, softmax, sources
from viz.errors import ConvScopeError
from viz.explain import explain_conv, fc_votes, flat_position, pool_winners
from viz.kernels import KERNELS
from viz.models import MODELS, PHOTO_KINDS, ModelSpec, files_stamp, get_spec, load_card, load_model
from viz.render import (
    NEGATIVE_HEX,
    POSITIVE_HEX,
    diverging,
    diverging_plotly,
    enlarge,
    enlarge_to_width,
    format_number,
    grayscale,
    legend_html,
    number_table_html,
    outline,
    picture_rgb,
    robust_limit,
    vector_picture,
)
from viz.samples import DIGIT_SAMPLES, GLYPH_SAMPLES, PHOTO_SAMPLES
from viz.swap import first_conv_name, swapped
from viz.thumbnails import PAGE_SIZE, cells_html, channel_thumbnails, thumbnails_html
from viz.ui import display, explain_view, linked_maps, own_network, probes, session_networks, sound_input, state
from viz.ui.caching import cached_result
from viz.ui.inputs import DRAW, SOURCES, image_source

PAGE = "inspector"
DEFAULT_MODEL = "lenet5-mnist"
INPUTS = {
    "glyph": (("Sample", DRAW, "Upload", "Webcam"), GLYPH_SAMPLES),
    "digit": (("Sample", DRAW, "Upload", "Webcam"), DIGIT_SAMPLES),
    "photo": (SOURCES, PHOTO_SAMPLES),
    "drawing": ((DRAW, "Upload", "Webcam"), []),  # a network trained on the user's own drawings
    # Networks opened from ONNX files:
    "onnx-photo": (SOURCES, PHOTO_SAMPLES),
    "onnx-gray": (SOURCES, PHOTO_SAMPLES),
    "onnx-digit": (("Sample", DRAW, "Upload", "Webcam"), DIGIT_SAMPLES),
}
KIND_WORDS = {
    "conv": "convolution",
    "relu": "ReLU",
    "pool": "max pooling",
    "flatten": "flatten",
    "fc": "fully connected",
    # Found in networks opened from ONNX files:
    "norm": "batch normalization",
    "avgpool": "average pooling",
    "globalmax": "global max pooling",
    "activation": "activation",
    "op": "operation",
}
LOW_CONFIDENCE = 0.5
DEFAULTS = {
    "inspector_model": DEFAULT_MODEL,
    "inspector_swap_on": False,
    "inspector_swap_channel": 0,
    "inspector_swap_kernel": "sobel_vertical",
    "inspector_row": 0,
    "inspector_col": 0,
    "inspector_in_channel": 0,
    "inspector_output": 0,
}


# ---------------------------------------------------------------- cached work
# Keyed on the files' size and time too: a retrained or repaired file is read again, and a
# broken one raises a ConvScopeError (never cached) naming the network and the file.
@st.cache_resource(show_spinner=False, max_entries=8)
def _trained(model_id: str, stamp: tuple) -> nn.Module:
    return load_model(model_id)


@st.cache_resource(show_spinner=False, max_entries=24)
def _swapped(model_id: str, stamp: tuple, channel: int, kernel_key: str) -> nn.Module:
    return swapped(_trained(model_id, stamp), channel, KERNELS[kernel_key].weights)


@st.cache_data(show_spinner=False, max_entries=8)
def _card(model_id: str, stamp: tuple) -> dict:
    return load_card(model_id)


def trained_network(model_id: str) -> nn.Module:
    """One copy per server of each shipped network (or the session's own); never modified (swaps work on a copy)."""
    mine = session_networks.get(model_id)
    return mine.model if mine else _trained(model_id, files_stamp(model_id))


def swapped_network(model_id: str, channel: int, kernel_key: str) -> nn.Module:
    """A modified copy per (network, filter, hand-made kernel); the trained one is never touched."""
    mine = session_networks.get(model_id)
    if mine:  # small, and the session's alone: made when asked
        return swapped(mine.model, channel, KERNELS[kernel_key].weights)
    return _swapped(model_id, files_stamp(model_id), channel, kernel_key)


def model_card(model_id: str) -> dict:
    """The network's JSON card, read once per server rather than on every rerun."""
    mine = session_networks.get(model_id)
    return mine.card if mine else _card(model_id, files_stamp(model_id))


def spec_of(model_id: str) -> ModelSpec:
    mine = session_networks.get(model_id)
    return mine.spec if mine else get_spec(model_id)


def kernel_scale(conv: nn.Conv2d) -> float:
    """The colour scale of a conv layer's kernels: its largest weight, the same for every filter."""
    return float(conv.weight.detach().abs().max()) or 1.0


def network_for(model_id: str, swap: tuple[int, str] | None) -> nn.Module:
    return trained_network(model_id) if swap is None else swapped_network(model_id, *swap)


@cached_result(max_entries=32, max_mb=32)
def run_network(model_id: str, x: np.ndarray, swap: tuple[int, str] | None) -> list[LayerOutput]:
    """Every layer's output for input x, keyed on the input's values and the swap."""
    return capture(network_for(model_id, swap), x)


# ---------------------------------------------------------------- pieces of the page
def _sidebar() -> tuple[ModelSpec, np.ndarray | None, np.ndarray | None, str | None]:
    """The chosen network, the picture, the network's input, and why the network cannot be opened (or None)."""
    with st.sidebar:
        st.header("1 · Network")
        choices = list(MODELS) + session_networks.ids()
        if st.session_state.get("inspector_model") not in choices:
            st.session_state["inspector_model"] = DEFAULT_MODEL
        titles = {m: spec_of(m).title for m in choices}  # read now: a label never looks anything up later
        model_id = st.selectbox("Network", choices, key="inspector_model", format_func=titles.__getitem__)
        spec = spec_of(model_id)
        try:
            card = model_card(model_id)
            trained_network(model_id)
        except ConvScopeError as exc:
            st.caption(spec.summary)
            return spec, None, None, str(exc)
        if card.get("test_accuracy") is None:  # opened from a file: how well it does is not known here
            st.caption(f"{spec.summary} {card['parameters']:,} parameters.")
        else:
            st.caption(
                f"{spec.summary} {card['parameters']:,} parameters; "
                f"{card['test_accuracy']:.1%} right on {card['test_images']:,} "
                f"{_test_words(model_id, spec)} it never saw."
            )
        own_network.opener()
        st.header("2 · Input")
        if spec.input_kind == "sound":
            picture = sound_input.network_source(PAGE)
        else:
            sources, samples = INPUTS[spec.input_kind]
            picture = image_source(PAGE, samples, working_size=False, sources=sources)
    if picture is None:
        return spec, None, None, None
    return spec, picture.pixels, spec.preprocess(picture.pixels), None


def _test_words(model_id: str, spec: ModelSpec) -> str:
    if session_networks.get(model_id):
        return "held-out examples"
    return "held-out generated sounds" if spec.input_kind == "sound" else "test images"


def _what_the_network_sees(spec: ModelSpec, pixels: np.ndarray, x: np.ndarray) -> None:
    st.markdown("**What you gave it**")
    st.image(enlarge(picture_rgb(pixels), min_side=160, max_side=240), width=200)
    st.markdown(f"**What the network sees** · `{'×'.join(str(n) for n in x.shape[1:])}×{x.shape[0]}`")
    shown = spec.to_display(x)
    st.image(
        enlarge((shown * 255).astype(np.uint8) if shown.ndim == 3 else grayscale(shown, 0, 1), 200, 240), width=200
    )
    st.caption(spec.preprocessing_note)


def prediction(spec: ModelSpec, logits: np.ndarray, key: str = "inspector_probabilities") -> None:
    """The network's answer and every class's probability, with what it means for this kind of network."""
    p = softmax(logits.astype(np.float64))
    order = np.argsort(p)
    winner = int(order[-1])
    st.markdown(f"### It says: **{spec.classes[winner]}** ({p[winner]:.0%})")
    colours = [POSITIVE_HEX if i == winner else "#9aa5b1" for i in order]
    fig = go.Figure(
        go.Bar(
            x=p[order],
            y=[spec.classes[i] for i in order],
            orientation="h",
            marker_color=colours,
            text=[f"{v:.1%}" for v in p[order]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.2%}<extra></extra>",
        )
    )
    fig.update_layout(
        font=dict(size=display.figure_font()),
        height=max(140, 2 * display.figure_font() * len(p) + 40),
        margin=dict(l=0, r=40, t=4, b=4),
        xaxis=dict(range=[0, 1.12], visible=False),
        yaxis=dict(
            tickfont=dict(size=display.figure_font() + 1), type="category"
        ),  # digits are names here, not numbers
        plot_bgcolor="rgba(0,0,0,0)",
    )
    st.plotly_chart(fig, config={"displayModeBar": False}, key=key)
    if spec.input_kind == "sound":
        return  # the pages say how far a sound of one's own is from what the network learned
    if spec.input_kind in PHOTO_KINDS:
        known = ", ".join(spec.classes)
        if p[winner] < LOW_CONFIDENCE:
            st.warning(
                f"Low confidence ({p[winner]:.0%}): this may not be any of the things this network knows. "
                f"This network only knows these {len(spec.classes)} things: {known}. "
                "Anything else still gets one of these names."
            )
        else:
            st.caption(f"This network only knows these {len(spec.classes)} things: {known}.")
    elif p[winner] < LOW_CONFIDENCE:
        st.warning(f"Low confidence ({p[winner]:.0%}): the network is unsure. Try drawing it larger and clearer.")


def _overview(spec: ModelSpec, layers: list[LayerOutput], model: nn.Module) -> None:
    st.subheader("Every layer, in order")
    st.caption(
        "Each row is one layer, named as in the code. Each channel is a small map with its number "
        "(red positive, blue negative, white zero; one colour scale per layer). Vectors are rows of cells."
    )
    for layer in layers:
        label, picture = st.columns([1, 4], gap="medium")
        with label:
            st.markdown(
                f"**{layer.name}** · {KIND_WORDS[layer.kind]}  \n`{layer.shape_label}`  \n{_layer_words(model, layer)}"
            )
        with picture:
            _layer_row(spec, layer, layer is layers[-1])
    st.markdown("**→ probabilities** (softmax of the last layer), shown at the top of the page.")


def _layer_words(model: nn.Module, layer: LayerOutput) -> str:
    module = getattr(model, layer.name)
    if isinstance(module, nn.Conv2d):
        return f"{module.out_channels} filters of {module.kernel_size[0]}×{module.kernel_size[1]}×{module.in_channels}"
    if isinstance(module, nn.MaxPool2d):
        k = module.kernel_size
        return f"{k}×{k} windows" if isinstance(k, int) else f"{'×'.join(str(n) for n in k)} windows"
    if isinstance(module, nn.Linear):
        return f"{module.in_features} → {module.out_features}"
    reads = sources(model, layer.name)
    if len(reads) > 1:  # a graph: say where a layer that joins branches reads from
        return f"{getattr(module, 'op', type(module).__name__)} of {', '.join(reads)}"
    return ""


def _layer_row(spec: ModelSpec, layer: LayerOutput, is_last: bool) -> None:
    """One layer's output: numbered channel thumbnails (the first PAGE_SIZE, or all), or its cells."""
    out = layer.output
    limit = robust_limit(out)
    if out.ndim == 3 and out.shape[1] * out.shape[2] > 1:
        everything_key = f"inspector_all_{layer.name}"
        everything = bool(st.session_state.get(everything_key))
        page, _ = channel_thumbnails(out, limit, 0, None if everything else PAGE_SIZE)
        st.html(page)
        if out.shape[0] > PAGE_SIZE:
            st.toggle(f"Show all {out.shape[0]} channels", key=everything_key)
    elif is_last:
        st.html(cells_html(out.ravel(), list(spec.classes), limit, winner=int(np.argmax(out))))
        st.caption("One cell per class, the network's score before softmax; the outlined one wins.")
    elif out.size <= 32:
        st.html(cells_html(out.ravel(), [f"#{i}" for i in range(out.size)], limit))
    else:
        strip = enlarge_to_width(vector_picture(out.ravel()), max_width=900, max_factor=24)
        st.image(strip, width=strip.shape[1])
        st.caption(f"{out.size} cells, numbered 0, 1, … left to right and row by row, 40 to a row.")


# ---------------------------------------------------------------- a closer look at one layer
def _heatmap(values: np.ndarray, title: str, key: str) -> None:
    """A large map with hover values (Plotly), the diverging colours centred on 0."""
    limit = robust_limit(values)
    fig = go.Figure(
        go.Heatmap(
            z=values,
            zmin=-limit,
            zmax=limit,
            zmid=0,
            colorscale=diverging_plotly(),
            hovertemplate="row %{y}, col %{x}: %{z:.4f}<extra></extra>",
            colorbar=dict(thickness=12),
        )
    )
    fig.update_layout(
        font=dict(size=display.figure_font()),
        title=dict(text=title, font=dict(size=display.figure_font() + 1)),
        height=560 if display.projector() else 380,
        margin=dict(l=0, r=0, t=32, b=0),
        yaxis=dict(autorange="reversed", scaleanchor="x", constrain="domain"),
        xaxis=dict(constrain="domain"),
    )
    st.plotly_chart(fig, config={"displayModeBar": False}, key=key)


def _channel_picker(label: str, count: int, key: str) -> int:
    if st.session_state.get(key, 0) >= count:
        st.session_state[key] = 0
    if count == 1:
        return 0
    return int(st.number_input(f"{label} (0–{count - 1})", 0, count - 1, key=key))


def _closer_look(spec: ModelSpec, layers: list[LayerOutput], x: np.ndarray, model: nn.Module) -> None:
    names = [layer.name for layer in layers]
    if st.session_state.get("inspector_layer") not in names:
        st.session_state["inspector_layer"] = names[0]
    c1, c2 = st.columns([1, 1])
    with c1:
        name = st.selectbox(
            "Layer",
            names,
            key="inspector_layer",
            format_func=lambda n: f"{n} · {KIND_WORDS[layers[names.index(n)].kind]}",
        )
    layer = layers[names.index(name)]
    module = getattr(model, name)
    received = layer_input(layers, name, x)
    if layer.kind in ("fc", "flatten"):
        _closer_vector(spec, layer, module, received, layers, c2)
        return
    if layer.output.ndim == 1:  # another operation on a vector (a network opened from a file)
        _closer_other(layer, module, received, 0, model)
        return
    if st.session_state.get("_inspector_channel_for") != name:
        # Entering a layer: open on its strongest channel (the user's choice stays while they stay here).
        st.session_state["_inspector_channel_for"] = name
        st.session_state["inspector_channel"] = int(
            np.argmax(layer.output.reshape(layer.output.shape[0], -1).max(axis=1))
        )
        st.session_state["_inspector_pixel_chosen"] = False
    with c2:
        channel = _channel_picker("Channel", layer.output.shape[0], "inspector_channel")
    if layer.kind == "conv":
        _closer_conv(layer, module, received, channel, spec, x)
    elif layer.kind == "relu":
        left, right = st.columns(2)
        with left:
            _heatmap(received[channel], f"{name} input (channel {channel})", "inspector_heat_in")
        with right:
            _heatmap(layer.output[channel], f"{name} output: negatives set to 0", "inspector_heat_out")
        zeroed = float(np.mean(received[channel] < 0))
        st.markdown(f"ReLU set **{zeroed:.1%}** of this channel's values to 0 (all the negative ones).")
    elif layer.kind == "pool":
        _closer_pool(layer, module, received, channel)
    else:
        _closer_other(layer, module, received, channel, model)


def _op_words(module: nn.Module, layer: LayerOutput, channel: int, model: nn.Module) -> str:
    """One sentence on what a layer of a network opened from a file does (to this channel)."""
    reads = sources(model, layer.name)
    source = f" of {' and '.join(f'**{r}**' for r in reads)}" if reads else ""
    if isinstance(module, nn.BatchNorm2d):
        a = float(module.weight[channel] / torch.sqrt(module.running_var[channel] + module.eps))
        b = float(module.bias[channel] - module.running_mean[channel] * a)
        return (
            f"Batch normalization, with the statistics it learned: channel {channel} is multiplied by "
            f"{format_number(a, 4)} and then {format_number(b, 4)} is added, everywhere on the map."
        )
    if isinstance(module, nn.AvgPool2d):
        k = module.kernel_size if isinstance(module.kernel_size, int) else module.kernel_size[0]
        return f"Each {k}×{k} window passes on the mean of its values (max pooling would pass the largest)."
    if isinstance(module, nn.AdaptiveAvgPool2d):
        return "Each channel's whole map becomes one number: its mean."
    if isinstance(module, nn.AdaptiveMaxPool2d):
        return "Each channel's whole map becomes one number: its largest value."
    if layer.kind == "activation":
        return f"{type(module).__name__}: applied to every value on its own, like ReLU."
    name = getattr(module, "op", type(module).__name__)
    return f"{name}{source}: it has no weights of its own to explain."


def _closer_other(layer: LayerOutput, module: nn.Module, received: np.ndarray, channel: int, model) -> None:
    """Input and output of a layer the page has no step-by-step view for, with one sentence on it."""
    out = layer.output
    if out.ndim == 3:
        left, right = st.columns(2)
        with left:
            if received.ndim == 3:
                shown = min(channel, received.shape[0] - 1)
                _heatmap(received[shown], f"{layer.name} input (channel {shown})", "inspector_heat_in")
        with right:
            _heatmap(out[channel], f"{layer.name} output (channel {channel})", "inspector_heat_out")
    else:
        strip = enlarge_to_width(vector_picture(out), max_width=900, max_factor=24)
        st.image(strip, width=strip.shape[1])
    st.markdown(_op_words(module, layer, channel, model))


def _closer_conv(layer: LayerOutput, conv: nn.Conv2d, received: np.ndarray, channel: int, spec: ModelSpec, x) -> None:
    weights = conv.weight[channel].detach().numpy()
    bias = float(conv.bias[channel].detach()) if conv.bias is not None else 0.0
    scale = kernel_scale(conv)
    left, right = st.columns([3, 2], gap="large")
    with right:
        st.markdown(
            f"**Its learned kernel**: {weights.shape[1]}×{weights.shape[2]} for each of {weights.shape[0]} input "
            f"channels, bias {format_number(bias, 4)}"
        )
        if weights.shape[0] > 1:
            page, _ = channel_thumbnails(weights, scale, 0, PAGE_SIZE)
            st.html(page)
            if weights.shape[0] > PAGE_SIZE:
                st.caption(f"The first {PAGE_SIZE} of {weights.shape[0]}; any of them by number below.")
        in_channel = _channel_picker("Input channel", weights.shape[0], "inspector_in_channel")
        st.html(number_table_html(weights[in_channel], limit=scale, decimals=3, cell_px=48))
        st.html(
            legend_html(
                float(weights[in_channel].min()),
                float(weights[in_channel].max()),
                scale,
                f"One colour scale for all of {layer.name}'s weights (±{format_number(scale)}, its largest), "
                "so a small weight looks pale.",
            )
        )
    _, h, w = layer.output.shape
    if not st.session_state.get("_inspector_pixel_chosen"):
        # Until the user picks a pixel, explain where this channel responds most strongly.
        r, c = np.unravel_index(int(np.argmax(layer.output[channel])), (h, w))
        st.session_state["inspector_row"], st.session_state["inspector_col"] = int(r), int(c)
    for key, top in (("inspector_row", h), ("inspector_col", w)):
        if st.session_state.get(key, 0) >= top:
            st.session_state[key] = 0
    with left:
        st.caption("Point at the map for a value and the input patch it read; click to pin it and explain it below.")
        _linked_conv(layer, conv, received, channel, in_channel, spec, x)
    st.markdown("#### Explain a pixel — with the network's own weights")
    c1, c2, _ = st.columns([1, 1, 3])
    row = int(c1.number_input("Row", 0, h - 1, key="inspector_row", on_change=_pixel_chosen))
    col = int(c2.number_input("Column", 0, w - 1, key="inspector_col", on_change=_pixel_chosen))
    if not st.session_state.get("_inspector_pixel_chosen"):
        st.caption("Showing this channel's strongest response until you pick a row and column.")
    stride, padding = tuple(conv.stride), tuple(conv.padding)
    ex = explain_conv(received, weights, row, col, stride, padding, bias)
    sums = ex.channel_sums
    left, right = st.columns([2, 3], gap="large")
    with left:
        # The network's own input is shown as the picture it is (±1 grid or 0–1 digit); deeper maps as maps.
        gray = (
            (min(0.0, float(x.min())), max(1.0, float(x.max())))
            if received is x and spec.input_kind != "photo"
            else None
        )
        reads = list(range(received.shape[0])) if received.shape[0] == 3 and received is x else [in_channel]
        if received is x and spec.input_kind == "photo":
            explain_view.input_zoom(spec.to_display(x).transpose(2, 0, 1), [0, 1, 2], ex, (0.0, 1.0))
        else:
            lo, hi = (float(received.min()), float(received.max())) if gray is None else gray
            explain_view.input_zoom(received, reads, ex, (lo, hi))
    with right:
        if len(sums) > 1:
            order = np.argsort(-np.abs(sums))[:12]
            fig = go.Figure(
                go.Bar(
                    x=[f"in {i}" for i in order],
                    y=sums[order],
                    marker_color=[POSITIVE_HEX if v >= 0 else NEGATIVE_HEX for v in sums[order]],
                    hovertemplate="input channel %{x}: %{y:.4f}<extra></extra>",
                )
            )
            fig.update_layout(
                font=dict(size=display.figure_font()),
                height=220,
                margin=dict(l=0, r=0, t=28, b=0),
                title=dict(
                    text=f"Each input channel's sum of products (largest {len(order)} of {len(sums)})",
                    font=dict(size=display.figure_font() + 1),
                ),
            )
            st.plotly_chart(fig, config={"displayModeBar": False}, key="inspector_channel_sums")
    st.markdown(
        f"Input channel {in_channel}: its patch × its kernel, summed = **{format_number(float(sums[in_channel]), 4)}**"
    )
    explain_view.patch_tables(ex, in_channel, received.shape[1:], gray)
    st.markdown(
        f"Summed over all {len(sums)} input channel{'s' if len(sums) > 1 else ''}: "
        f"{explain_view.sum_sentence(ex)} — the value at row {row}, column {col} "
        f"(the network computed {format_number(float(layer.output[channel, row, col]), 4)})."
    )


def _pixel_chosen() -> None:
    st.session_state["_inspector_pixel_chosen"] = True


def _on_cell_clicked() -> None:
    cell = linked_maps.clicked_cell("inspector_cell")
    if cell is not None:
        st.session_state["_inspector_pixel_chosen"] = True
        st.session_state["inspector_row"], st.session_state["inspector_col"] = cell


def _linked_conv(
    layer: LayerOutput, conv: nn.Conv2d, received: np.ndarray, channel: int, in_channel: int, spec, x
) -> None:
    """The channel's map linked to the input it read (the same component as the playground's)."""
    if received is x and spec.input_kind == "photo":
        picture, title = spec.to_display(x), "The network's input"
        picture = (np.clip(picture, 0, 1) * 255).astype(np.uint8) if picture.dtype != np.uint8 else picture
    else:
        plane = received[in_channel]
        picture = grayscale(plane)
        title = "The network's input" if received is x else f"Its input, channel {in_channel}"
    values = layer.output[channel]
    panels = [
        linked_maps.MapPanel("input", title, picture, *received.shape[1:]),
        linked_maps.map_panel("map", f"{layer.name}, channel {channel}", values, robust_limit(values), None),
    ]
    linked_maps.linked_maps(
        "inspector_cell",
        linked_maps.payload(
            linked_maps.encode_panels(panels),
            tuple(conv.kernel_size),
            tuple(conv.stride),
            tuple(conv.dilation),
            tuple(conv.padding),
            None,
            (int(st.session_state["inspector_row"]), int(st.session_state["inspector_col"])),
        ),
        on_cell=_on_cell_clicked,
    )


def _closer_pool(layer: LayerOutput, pool: nn.MaxPool2d, received: np.ndarray, channel: int) -> None:
    window, stride = pool.kernel_size, pool.stride
    winners = pool_winners(received, window, stride, pool.padding, pool.ceil_mode)[channel]
    size = f"{window}×{window}" if isinstance(window, int) else "×".join(str(k) for k in window)
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**Input to {layer.name}** (channel {channel}): every window's winner outlined")
        rgb = diverging(received[channel], robust_limit(received[channel]))
        big = enlarge(rgb, min_side=240, max_side=420)
        scale = big.shape[0] // rgb.shape[0]
        for r, c in zip(*np.nonzero(winners), strict=True):
            big = outline(big, int(r), int(c), 1, 1, colour=(255, 200, 0), scale=scale)
        st.image(big, width=min(420, big.shape[1]))
    with right:
        _heatmap(layer.output[channel], f"{layer.name} output, channel {channel}", "inspector_heat_pool")
    kept = layer.output[channel].size
    st.markdown(
        f"Each {size} window passes on only its largest value (yellow): "
        f"{received[channel].size} values in, {kept} out — **{1 - kept / received[channel].size:.0%} dropped**."
    )


def _closer_vector(spec, layer, module, received, layers, column) -> None:
    if layer.kind == "flatten":
        shape = received.shape
        st.markdown(
            f"**{layer.name}** lays the {'×'.join(str(n) for n in shape)} maps out as one list of "
            f"{layer.output.size} numbers: channel by channel, row by row. Element i comes from "
            f"channel i ÷ {shape[1] * shape[2] if len(shape) == 3 else 1}."
        )
        strip = enlarge_to_width(vector_picture(layer.output), max_width=900, max_factor=24)
        st.image(strip, width=strip.shape[1])
        return
    is_last = layer.name == layers[-1].name
    outputs = module.out_features
    with column:
        if st.session_state.get("_inspector_output_for") != layer.name:
            # Entering a layer: open on the predicted class (the last layer) or the strongest neuron.
            st.session_state["_inspector_output_for"] = layer.name
            st.session_state["inspector_output"] = int(np.argmax(layer.output))
        if st.session_state.get("inspector_output", 0) >= outputs:
            st.session_state["inspector_output"] = 0
        target = st.selectbox(
            "Output" if not is_last else "Class",
            list(range(outputs)),
            key="inspector_output",
            format_func=(lambda i: spec.classes[i]) if is_last else (lambda i: f"neuron {i}"),
        )
    bias = module.bias.detach().numpy() if module.bias is not None else np.zeros(module.out_features, np.float32)
    votes = fc_votes(module.weight.detach().numpy(), bias, received, target)
    feeder = _source_layer(layers, layer)
    before_flatten = _source_layer(layers, feeder) if feeder is not None and feeder.kind == "flatten" else None
    order = np.argsort(-np.abs(votes.contributions))[:15]
    source = feeder.name if feeder is not None else "input"
    labels = [
        f"{source}[{i}] · {flat_position(int(i), before_flatten.output.shape)}"
        if before_flatten is not None and before_flatten.output.ndim == 3
        else f"{source}[{i}]"
        for i in order
    ]
    fig = go.Figure(
        go.Bar(
            y=labels[::-1],
            x=votes.contributions[order][::-1],
            orientation="h",
            marker_color=[POSITIVE_HEX if v >= 0 else NEGATIVE_HEX for v in votes.contributions[order][::-1]],
            hovertemplate="%{y}: weight × activation = %{x:.4f}<extra></extra>",
        )
    )
    name = spec.classes[target] if is_last else f"neuron {target}"
    fig.update_layout(
        font=dict(size=display.figure_font()),
        height=60 + 2 * display.figure_font() * len(order),
        margin=dict(l=0, r=0, t=30, b=0),
        title=dict(
            text=f"The {len(order)} inputs that pushed '{name}' most (weight × activation)",
            font=dict(size=display.figure_font() + 1),
        ),
    )
    st.plotly_chart(fig, config={"displayModeBar": False}, key="inspector_votes")
    positive = float(votes.contributions[votes.contributions > 0].sum())
    negative = float(votes.contributions[votes.contributions < 0].sum())
    st.markdown(
        f"For **{name}**: the {received.size} inputs pushed up by {format_number(positive, 3)} and down by "
        f"{format_number(-negative, 3)}; with bias {format_number(votes.bias, 3)} that gives "
        f"**{format_number(votes.total, 4)}** (the network computed {format_number(float(layer.output[target]), 4)})."
    )


def _source_layer(layers: list[LayerOutput], layer: LayerOutput) -> LayerOutput | None:
    """The layer that `layer` reads (its first input), or None for the network's input."""
    if layer.sources:
        return next((other for other in layers if other.name == layer.sources[0]), None)
    index = layers.index(layer)
    return layers[index - 1] if index > 0 else None


def _filter_gallery(spec: ModelSpec, model: nn.Module) -> None:
    name = first_conv_name(model)
    conv = getattr(model, name)
    weights = conv.weight.detach().numpy()
    scale = kernel_scale(conv)
    colour = weights.shape[1] == 3
    st.caption(
        f"The {weights.shape[0]} filters {name} learned, each {weights.shape[2]}×{weights.shape[3]}, numbered, on one "
        f"colour scale (±{format_number(scale)}, the largest weight)"
        + (": each filter's R, G, B weights as a tiny RGB picture (grey is 0)." if colour else ".")
    )
    if colour:
        pictures = [((w.transpose(1, 2, 0) / scale + 1) / 2 * 255).clip(0, 255).astype(np.uint8) for w in weights]
    else:
        pictures = [diverging(w[0], scale) for w in weights]
    st.html(thumbnails_html(pictures, [f"{name}[{i}]" for i in range(len(weights))], 6.0))


def _swap_controls(model: nn.Module) -> tuple[int, str] | None:
    name = first_conv_name(model)
    count = getattr(model, name).out_channels
    st.caption(
        f"Replace one of {name}'s learned filters with a hand-made one and watch the later layers and the "
        "prediction change. Only you see it; turn it off (or press Reset) to get the trained network back."
    )
    c1, c2, c3 = st.columns([1, 2, 1])
    with c1:
        if st.session_state["inspector_swap_channel"] >= count:
            st.session_state["inspector_swap_channel"] = 0
        channel = int(st.number_input(f"{name} filter (0–{count - 1})", 0, count - 1, key="inspector_swap_channel"))
    with c2:
        kernel_key = st.selectbox(
            "Hand-made filter",
            list(KERNELS),
            key="inspector_swap_kernel",
            format_func=lambda k: f"{KERNELS[k].group} · {KERNELS[k].name}",
        )
    with c3:
        st.toggle("Swap it in", key="inspector_swap_on")
        st.button("Reset", key="inspector_swap_reset", on_click=_reset_swap)
    if not st.session_state["inspector_swap_on"]:
        return None
    st.info(
        f"{name}[{channel}] is now '{KERNELS[kernel_key].name}', scaled to the trained filter's size. "
        "Everything on this page shows the changed network."
    )
    return channel, kernel_key


def _reset_swap() -> None:
    st.session_state["inspector_swap_on"] = False


def _numbers(layers: list[LayerOutput], x: np.ndarray) -> None:
    stats = relu_and_pool_stats(layers, x)
    st.caption("On your image: how much each ReLU zeroed and each pooling layer dropped.")
    st.dataframe(
        [
            {
                "layer": s.name,
                "what it does": "zeroes negatives" if s.kind == "relu" else "keeps each window's max",
                "share": f"{s.share:.1%} {'zeroed' if s.kind == 'relu' else 'dropped'}",
                "details": s.detail,
            }
            for s in stats
        ],
        hide_index=True,
        width="stretch",
    )


# ---------------------------------------------------------------- the page
def render() -> None:
    state.ensure_defaults(DEFAULTS)
    st.title("Inside the CNN")
    spec, pixels, x, problem = _sidebar()
    if problem:
        st.error(problem)
        st.markdown("The other networks and the filter playground still work: pick another network in the sidebar.")
        return
    if x is None:
        st.markdown("Pick an input in the sidebar to watch the network work.")
        return
    model_id = spec.model_id
    swap_box = st.container()
    with swap_box:
        with st.expander("Swap in a hand-made filter", expanded=st.session_state["inspector_swap_on"]):
            swap = _swap_controls(trained_network(model_id))
    try:
        model = network_for(model_id, swap)
        layers = run_network(model_id, x, swap)
    except ConvScopeError as exc:
        st.error(str(exc))
        return
    seen, verdict = st.columns([1, 2], gap="large")
    with seen:
        _what_the_network_sees(spec, pixels, x)
    with verdict:
        prediction(spec, layers[-1].output)
        if spec.input_kind == "sound" and not sound_input.is_generated(PAGE):
            st.info(sound_input.OUT_OF_DOMAIN)
    overview, closer, probe, gallery, numbers = st.tabs(
        ["All layers", "Look closer", "Probe it", "Learned filters", "ReLU & pooling in numbers"],
        key="inspector_tab",
        on_change="rerun",  # so a tab can tell whether it is open: the probes run only when they are shown
    )
    with overview:
        _overview(spec, layers, model)
    with closer:
        _closer_look(spec, layers, x, model)
    with probe:
        if probe.open:
            stamp = None if session_networks.get(model_id) else files_stamp(model_id)
            probes.render(spec, (model_id, stamp, swap), model, x, layers)
    with gallery:
        _filter_gallery(spec, model)
    with numbers:
        _numbers(layers, x)
