"""Inside the CNN · Probe it: where it looked, how it is fooled, what a shift does, what a channel wants.

The page wires widgets to viz.probes; every picture is the network's own input (what it sees), enlarged.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from torch import nn

from viz.activations import LayerOutput, softmax
from viz.models import PHOTO_KINDS, ModelSpec
from viz.probes import adversarial, attribution, invariance, maximize
from viz.probes.examples import examples_for
from viz.probes.pixel_space import PixelSpace, space_of
from viz.render import (
    NEGATIVE_HEX,
    POSITIVE_HEX,
    diverging,
    diverging_overlay,
    enlarge,
    format_number,
    heat_overlay,
    outline,
    png_bytes,
    robust_limit,
)
from viz.ui import display, state
from viz.ui.caching import cached_result

PROBES = ("Where it looked", "Fool it", "Shift it", "What a channel wants")
SIDE = 200  # each picture's width in the page, px
DEFAULTS = {
    "probe_kind": PROBES[0],
    "probe_class": None,
    "probe_occlusion_size": None,
    "probe_occlusion_stride": 2,
    "probe_smooth": True,
    "probe_epsilon": 4,
    "probe_method": "PGD",
    "probe_steps": 10,
    "probe_target": adversarial.ANY_OTHER,
    "probe_dx": 3,
    "probe_dy": 0,
    "probe_degrees": 0,
    "probe_noise": 0,
    "probe_where": "centre",
}


# ---------------------------------------------------------------- cached work (the slower probes)
# `network` identifies the network exactly (id, files' stamp, swap); `model` is that network.
@cached_result(max_entries=64, max_mb=16, ignore=("model",))
def _occlusion(network: Hashable, model: nn.Module, x: np.ndarray, target: int, size: int, stride: int, fill):
    return attribution.occlusion(model, x, target, size, stride, fill)


@cached_result(max_entries=64, max_mb=8, ignore=("model",))
def _favourite(network: Hashable, model: nn.Module, space: PixelSpace, shape, layer, channel, where, kind, steps):
    return maximize.favourite_picture(
        model, space, shape, layer, channel, where, steps=steps, **maximize.regularizers(kind)
    )


@cached_result(max_entries=8, max_mb=64)
def _examples(input_kind: str, preprocess) -> tuple[np.ndarray, list[str]]:
    return examples_for(input_kind, preprocess)


BUDGET_S = 3.0  # each probe's time, at most, however slow the network (one opened from a file, say)


@cached_result(max_entries=64, max_mb=1, ignore=("model",))
def _forward_seconds(network: Hashable, model: nn.Module, shape: tuple[int, ...]) -> float:
    """One forward pass of one picture: the fastest of 5, after 2 warming ones (a busy server's
    slowest moments are not the network's cost)."""
    x = torch.zeros((1, *shape))
    times = []
    with torch.no_grad():
        for i in range(7):
            start = time.perf_counter()
            model(x)
            if i >= 2:
                times.append(time.perf_counter() - start)
    return min(times)


def _passes_in_budget(network: Hashable, model: nn.Module, x: np.ndarray) -> int:
    """How many forward passes of one picture fit in BUDGET_S. The shipped networks and the page's own are
    measured in benchmarks/probes.py (every probe well within it at the page's largest settings); a network
    opened from a file is timed here."""
    if not hasattr(model, "walk"):
        return 1 << 20
    return int(BUDGET_S / max(_forward_seconds(network, model, tuple(x.shape)), 1e-4))


# ---------------------------------------------------------------- small pieces
def _picture(spec: ModelSpec, x: np.ndarray) -> np.ndarray:
    """The network's input as the RGB picture it is, (H, W, 3) uint8."""
    shown = spec.to_display(x)
    rgb = shown if shown.ndim == 3 else np.repeat(shown[..., None], 3, axis=2)
    return (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)


def _pixels_rgb(pixels: np.ndarray) -> np.ndarray:
    """(C, H, W) pixels in [0, 1] -> (H, W, 3) uint8."""
    rgb = pixels.transpose(1, 2, 0)
    rgb = rgb if rgb.shape[2] == 3 else np.repeat(rgb, 3, axis=2)
    return (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)


def _show(rgb: np.ndarray, title: str, caption: str | None = None) -> None:
    st.markdown(f"**{title}**")
    st.image(enlarge(rgb, SIDE, SIDE), width=SIDE)
    if caption:
        st.caption(caption)


def _top(spec: ModelSpec, p: np.ndarray, count: int = 3) -> str:
    order = np.argsort(-p)[:count]
    return " · ".join(f"{spec.classes[i]} {p[i]:.1%}" for i in order)


def _class_picker(spec: ModelSpec, predicted: int, key: str, label: str = "Class") -> int:
    choices = list(range(len(spec.classes)))
    if st.session_state.get(key) not in choices:
        st.session_state[key] = predicted
    return int(
        st.selectbox(
            label,
            choices,
            key=key,
            format_func=lambda i: f"{spec.classes[i]}{' (its answer)' if i == predicted else ''}",
        )
    )


def _background(spec: ModelSpec) -> float | None:
    """What a shift brings in at the edges, in pixels: drawings their paper (0), photos their own edge."""
    return None if spec.input_kind in PHOTO_KINDS else 0.0


# ---------------------------------------------------------------- 1 · where it looked
def _where_it_looked(spec, network, model, x, predicted) -> None:
    space = space_of(spec)
    picture = _picture(spec, x)
    convs = attribution.conv_layers(model)
    h = x.shape[1]
    c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
    with c1:
        target = _class_picker(spec, predicted, "probe_class")
    with c2:
        if st.session_state.get("probe_cam_layer") not in convs:
            st.session_state["probe_cam_layer"] = convs[-1]
        layer = st.selectbox("Grad-CAM at layer", convs, key="probe_cam_layer")
    sizes = list(range(2, h // 2 + 1))
    if st.session_state.get("probe_occlusion_size") not in sizes:
        st.session_state["probe_occlusion_size"] = max(2, h // 6)
    with c3:
        size = int(st.select_slider("Grey square", sizes, key="probe_occlusion_size", format_func=lambda s: f"{s}×{s}"))
    with c4:
        stride = int(st.slider("Step", 1, 4, key="probe_occlusion_stride"))

    passes = _passes_in_budget(network, model, x)
    fitting = max(stride, math.ceil((h - size + 1) / math.sqrt(max(passes, 1))))  # squares within the budget
    if fitting > stride:
        st.caption(f"With this network, a step of {fitting} (not {stride}) keeps occlusion within {BUDGET_S:.0f} s.")
        stride = fitting
    grad = attribution.input_gradient(model, x, target)
    plain = np.abs(grad).max(0)
    copies = int(np.clip(passes // 4, 4, 32))
    smooth = attribution.smoothgrad(model, x, target, samples=copies)
    cam = attribution.grad_cam(model, x, target, layer)
    occ = _occlusion(network, model, x, target, size, stride, space.grey(x.shape[0]))

    cols = st.columns(5, gap="small")
    with cols[0]:
        _show(picture, "What it sees", f"It says {spec.classes[predicted]}; probing '{spec.classes[target]}'.")
    with cols[1]:
        _show(
            heat_overlay(picture, plain),
            "Saliency",
            "How much a tiny change of each pixel would move the score: a map of sensitivity, not of "
            "what the network 'understands'.",
        )
    with cols[2]:
        _show(
            heat_overlay(picture, smooth),
            "SmoothGrad",
            f"The same, averaged over {copies} noisy copies of the picture: less speckle, the same meaning.",
        )
    with cols[3]:
        _show(
            heat_overlay(picture, cam.upsampled),
            f"Grad-CAM · {layer}",
            f"Where {layer}'s features that push '{spec.classes[target]}' up are active ({cam.small.shape[0]}×"
            f"{cam.small.shape[1]} map, enlarged). Coarse, and blind to what pushes the score down.",
        )
    with cols[4]:
        limit = max(float(np.abs(occ.per_pixel).max()), 1e-9)
        small = diverging_overlay(picture, occ.per_pixel, limit)
        big = enlarge(small, SIDE, SIDE)
        top, left, _, _ = occ.worst(1)[0]
        big = outline(big, top, left, size, size, colour=(255, 200, 0), scale=big.shape[0] // small.shape[0])
        _show(
            big,
            "Occlusion",
            f"How much the score drops when a grey {size}×{size} square hides each place (red: drops, blue: "
            "rises; yellow: the worst place). It measures this network on this picture only.",
        )
    rows = []
    for top, left, drop, now in occ.worst(5):
        rows.append(
            {
                "grey square at": f"rows {top}–{top + size - 1}, columns {left}–{left + size - 1}",
                f"score of '{spec.classes[target]}'": f"{format_number(occ.score, 3)} → "
                f"{format_number(occ.score - drop, 3)}",
                "drop": format_number(drop, 3),
                "then it says": spec.classes[now],
            }
        )
    st.markdown(
        f"**The most damaging places for the grey square** ({occ.drops.size} positions, like a {size}×{size} "
        f"convolution with stride {stride}):"
    )
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(
        "Pale: little effect; dark red: the most, on each map's own scale. "
        "All four are measured on the network's own input (what it sees), for the class's score before "
        "softmax. Saliency and SmoothGrad are gradients; Grad-CAM weighs a layer's maps by their average "
        "gradient; occlusion really hides part of the picture."
    )


# ---------------------------------------------------------------- 2 · fool it
def _fool_it(spec, network, model, x, predicted) -> None:
    space = space_of(spec)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
    with c1:
        method = st.radio("Attack", ["FGSM", "PGD"], key="probe_method", horizontal=True)
    with c2:
        epsilon = int(st.slider("Budget ε (of 255)", 0, 32, key="probe_epsilon"))
    with c3:
        steps = int(st.slider("Steps", 1, 40, key="probe_steps", disabled=method == "FGSM"))
    with c4:
        choices = [adversarial.ANY_OTHER, *range(len(spec.classes))]
        if st.session_state.get("probe_target") not in choices:
            st.session_state["probe_target"] = adversarial.ANY_OTHER
        target = int(
            st.selectbox(
                "Make it say",
                choices,
                key="probe_target",
                format_func=lambda i: "anything but its answer" if i == adversarial.ANY_OTHER else spec.classes[i],
            )
        )
    most = max(1, _passes_in_budget(network, model, x) // 3)  # a step is a forward and a backward pass
    if method == "PGD" and steps > most:
        st.caption(f"With this network, {most} steps (not {steps}) keep the attack within {BUDGET_S:.0f} s.")
        steps = most
    result = adversarial.attack(model, space, space.to_pixels(x), epsilon, target, method.lower(), steps)
    change = result.change
    low, high = int(change.min()), int(change.max())
    cols = st.columns(3, gap="medium")
    with cols[0]:
        _show(_pixels_rgb(result.original), "The picture it sees", _top(spec, result.before))
    with cols[1]:
        plane = change.astype(np.float32).mean(0) if change.shape[0] == 3 else change[0].astype(np.float32)
        _show(
            diverging(plane, max(1.0, float(epsilon))),
            "The change, made visible",
            f"Each pixel moved by {low:+d} to {high:+d} steps of 255; full colour is ±{max(1, epsilon)} "
            f"(red brighter, blue darker"
            f"{', the mean of R, G and B' if change.shape[0] == 3 else ''}).",
        )
    with cols[2]:
        _show(_pixels_rgb(result.perturbed), "The changed picture", _top(spec, result.after))
    was, now = spec.classes[int(result.before.argmax())], spec.classes[int(result.after.argmax())]
    if epsilon == 0:
        st.info("With a budget of 0 nothing changes. Move the budget up.")
    elif result.fooled:
        st.error(
            f"Fooled: no pixel moved by more than {epsilon}/255, and it now says **{now}** "
            f"({result.after.max():.1%}) instead of **{was}** ({result.before.max():.1%})."
        )
    else:
        st.success(
            f"Not fooled with a budget of {epsilon}/255 ({method}{'' if method == 'FGSM' else f', {steps} steps'}): "
            f"it still says **{now}**. Try a larger budget or more steps."
        )
    st.caption(
        "FGSM takes one step of ε in the direction that hurts the answer most; PGD takes small steps and keeps "
        "every pixel within ε of the original. The changed picture is rounded to whole 8-bit steps before it "
        "is judged, as a PNG would hold it."
    )
    if spec.input_kind in PHOTO_KINDS:  # a same-size upload is read back unchanged
        st.download_button(
            "Download the changed picture (PNG)",
            png_bytes(result.as_uint8()),
            file_name=f"{spec.model_id}-fooled-eps{epsilon}.png",
            mime="image/png",
            key="probe_download",
            icon=":material/download:",
        )
        st.caption(
            f"{x.shape[2]}×{x.shape[1]} pixels, the network's own size: upload it again and it reads the same pixels."
        )
    else:
        st.caption(
            "No download for drawings: an upload is cropped to its ink and re-centred (or turned into ±1 cells), "
            "which would undo the change. The attack is measured on the network's input itself."
        )


# ---------------------------------------------------------------- 3 · shift it
def _shift_it(spec, network, model, x, layers) -> None:
    space = space_of(spec)
    c1, c2, c3, c4 = st.columns(4)
    dx = int(c1.slider("Move right (px)", -8, 8, key="probe_dx"))
    dy = int(c2.slider("Move down (px)", -8, 8, key="probe_dy"))
    degrees = int(c3.slider("Turn (°)", -15, 15, key="probe_degrees"))
    noise = int(c4.slider("Noise σ (of 255)", 0, 64, key="probe_noise"))
    change = invariance.Change(dx, dy, float(degrees), noise)
    moved_pixels = invariance.changed(space.to_pixels(x), change, _background(spec))
    moved = space.to_input(moved_pixels)
    result = invariance.compare(model, x, moved)
    left, right, chart = st.columns([1, 1, 3], gap="medium")
    with left:
        _show(_picture(spec, x), "As it was", _top(spec, result.p_before))
    with right:
        _show(_pixels_rgb(moved_pixels), change.words().capitalize(), _top(spec, result.p_after))
    with chart:
        _agreement_chart(result.layers)
    if change.is_none:
        st.info("Move, turn or add noise to the picture to see what each layer makes of it.")
        return
    pools = [r for r in result.layers if r.kind == "pool"]
    convs = [r for r in result.layers if r.kind == "conv"]
    if pools and convs:
        st.markdown(
            f"After the change, **{convs[0].name}** agrees with its old self at r = "
            f"{convs[0].correlation:.2f}; the last pooling layer **{pools[-1].name}** at r = "
            f"{pools[-1].correlation:.2f}"
            + (
                ": pooling made it care less about exactly where things are."
                if pools[-1].correlation > convs[0].correlation
                else ": on this picture, pooling did not make it care less."
            )
        )
    names = [layer.name for layer in result.before if layer.output.ndim == 3]
    if st.session_state.get("probe_watch") not in names:
        st.session_state["probe_watch"] = names[0]
    watch = st.selectbox("Watch one layer", names, key="probe_watch")
    before = next(layer for layer in result.before if layer.name == watch).output
    after = next(layer for layer in result.after if layer.name == watch).output
    channel = int(np.argmax(before.reshape(len(before), -1).max(1)))
    limit = max(robust_limit(before[channel]), robust_limit(after[channel]))
    cols = st.columns([1, 1, 3])
    with cols[0]:
        _show(diverging(before[channel], limit), f"{watch}[{channel}] before")
    with cols[1]:
        _show(diverging(after[channel], limit), f"{watch}[{channel}] after")
    with cols[2]:
        r = invariance.correlation(before[channel], after[channel])
        st.markdown(
            f"Its strongest channel, {channel}, on one colour scale. The map moves with the picture: "
            f"its values agree at r = {r:.2f} ({before.shape[1]}×{before.shape[2]} map)."
        )


def _agreement_chart(rows: list[invariance.LayerAgreement]) -> None:
    colours = {"input": "#6b7280", "conv": POSITIVE_HEX, "relu": "#f59e0b", "pool": NEGATIVE_HEX, "fc": "#7c3aed"}
    values = [0.0 if np.isnan(r.correlation) else r.correlation for r in rows]
    fig = go.Figure(
        go.Bar(
            x=[r.name for r in rows],
            y=values,
            marker_color=[colours.get(r.kind, "#9aa5b1") for r in rows],
            text=["–" if np.isnan(r.correlation) else f"{r.correlation:.2f}" for r in rows],  # – : constant
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: r = %{y:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        font=dict(size=display.figure_font()),
        title=dict(
            text="Each layer before vs after (correlation r)",
            font=dict(size=display.figure_font() + 1),
        ),
        height=300,
        margin=dict(l=0, r=0, t=40, b=0),
        yaxis=dict(range=[min(0.0, min(values)) - 0.05, 1.15]),
        xaxis=dict(type="category"),
    )
    st.plotly_chart(fig, config={"displayModeBar": False}, key="probe_agreement")
    st.caption(
        "r = 1: the layer's values did not change; 0: no relation left; –: the layer is constant (all zero, say), "
        "so r is not defined. Grey: the input · red: convolution · "
        "amber: ReLU · blue: pooling · purple: fully connected."
    )


# ---------------------------------------------------------------- 4 · what a channel wants
def _what_it_wants(spec, network, model, x, layers: list[LayerOutput]) -> None:
    space = space_of(spec)
    choices = [layer.name for layer in layers if layer.kind == "conv"] + [layers[-1].name]
    if st.session_state.get("probe_layer") not in choices:
        # Photos: the last conv layer's features are the ones with a picture worth seeing.
        st.session_state["probe_layer"] = choices[-2 if spec.input_kind == "photo" else 0]
        st.session_state["probe_where"] = "everywhere" if spec.input_kind == "photo" else "centre"
    c1, c2, c3 = st.columns([1, 1, 2])
    with c1:
        layer = st.selectbox(
            "Layer",
            choices,
            key="probe_layer",
            format_func=lambda n: f"{n} (the classes)" if n == layers[-1].name else n,
        )
    output = next(item for item in layers if item.name == layer).output
    is_class = layer == layers[-1].name
    with c2:
        if is_class:
            channel = _class_picker(spec, int(np.argmax(output)), "probe_want_class")
        else:
            count = output.shape[0]
            if st.session_state.get("probe_channel", 0) >= count:
                st.session_state["probe_channel"] = 0
            channel = int(st.number_input(f"Channel (0–{count - 1})", 0, count - 1, key="probe_channel"))
    with c3:
        where = "centre"
        if not is_class:
            where = st.radio(
                "Excite",
                list(maximize.WHERE),
                key="probe_where",
                horizontal=True,
                format_func=lambda w: "one neuron, at the centre" if w == "centre" else "the whole map",
            )
    target = f"'{spec.classes[channel]}'" if is_class else f"{layer}[{channel}]"
    with st.spinner(f"Climbing the gradient of {target}…"):
        steps = int(np.clip(_passes_in_budget(network, model, x) // 3, 20, 160))
        favourite = _favourite(network, model, space, x.shape, layer, channel, where, spec.input_kind, steps)
    inputs, names = _examples(spec.input_kind, spec.preprocess)
    left, right = st.columns([1, 3], gap="large")
    with left:
        _show(
            _pixels_rgb(favourite.pixels),
            f"What {target} wants",
            f"From {'faint noise' if maximize.regularizers(spec.input_kind)['start_noise'] else 'plain grey'}, "
            f"{len(favourite.trace) - 1} steps up the gradient: "
            f"{format_number(favourite.start, 2)} → {format_number(favourite.activation, 2)}.",
        )
    with right:
        if not len(names):
            st.markdown("No examples to compare with for a network trained on your own drawings.")
        else:
            best = maximize.strongest_examples(model, inputs, layer, channel, where, count=6)
            st.markdown(f"**The examples that excite {target} most** (of {len(names)})")
            cols = st.columns(len(best))
            for col, (i, value) in zip(cols, best, strict=True):
                with col:
                    st.image(enlarge(_picture(spec, inputs[i]), 96, 120), width=96)
                    st.caption(f"{format_number(value, 2)} · {names[i]}")
    st.caption(
        f"Maximized: {maximize.WHERE[where] if not is_class else 'the class score, before softmax'}. "
        + (
            "A small jitter and blur at each step keep it from turning into noise. "
            if spec.input_kind == "photo"
            else "Each cell may take any shade between background and ink; it starts grey, so a cell still grey "
            "is one the unit does not see. "
        )
        + "It shows a pattern this unit responds to, not everything it responds to."
    )


# ---------------------------------------------------------------- the section
def render(spec: ModelSpec, network: Hashable, model: nn.Module, x: np.ndarray, layers: list[LayerOutput]) -> None:
    state.ensure_defaults(DEFAULTS)
    predicted = int(np.argmax(softmax(layers[-1].output.astype(np.float64))))
    kind = st.segmented_control("Probe", PROBES, key="probe_kind", label_visibility="collapsed") or PROBES[0]
    if kind == PROBES[0]:
        _where_it_looked(spec, network, model, x, predicted)
    elif kind == PROBES[1]:
        _fool_it(spec, network, model, x, predicted)
    elif kind == PROBES[2]:
        _shift_it(spec, network, model, x, layers)
    else:
        _what_it_wants(spec, network, model, x, layers)
