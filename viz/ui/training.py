"""Train it yourself: a small CNN learns X or O, digits or the user's own classes from random numbers,
while the page watches."""

from __future__ import annotations

import copy
import hashlib
import os

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from viz.designs import FILTER_COUNTS, KERNEL_SIZES, MAX_BLOCKS, POOLS, Design, layer_rows, parameter_count
from viz.errors import ConvScopeError
from viz.gradient_check import nudge_one_weight
from viz.live_training import (
    INPUT_WORDS,
    Dataset,
    Settings,
    Trainer,
    TrainingJob,
    TrainingQueue,
    digit_dataset,
    first_conv,
    xo_dataset,
)
from viz.network_files import card_for, from_files, to_files
from viz.render import NEGATIVE_HEX, POSITIVE_HEX, diverging, format_number, grayscale
from viz.thumbnails import thumbnails_html
from viz.ui import display, drawing, own_classes, session_networks, state

# At most as many trainings at once as the server has cores; the others wait in line.
QUEUE = TrainingQueue(limit=max(1, min(2, os.cpu_count() or 1)))
LEARNING_RATES = (0.0001, 0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 4, 8, 16, 32, 64, 128)
PACES = {"Slow enough to watch (20 steps a second)": 20.0, "As fast as it goes": None}
SMALL = dict(train_filters2=8, train_filters3=16)  # the later blocks' filters, when there are later blocks
PRESETS = {
    "A good start": dict(train_lr=0.05, train_batch=32, train_epochs=5, train_filters=4, train_blocks=1, **SMALL),
    "Learning rate far too high (it diverges)": dict(
        train_lr=10.0, train_batch=32, train_epochs=5, train_filters=4, train_blocks=1, **SMALL
    ),
    "Learning rate far too low (it barely moves)": dict(
        train_lr=0.0001, train_batch=32, train_epochs=5, train_filters=4, train_blocks=1, **SMALL
    ),
    "One example at a time (batch 1: a noisy path)": dict(
        train_lr=0.01, train_batch=1, train_epochs=1, train_filters=4, train_blocks=1, **SMALL
    ),
    "A network too small to learn (3 blocks of 1 filter)": dict(
        train_lr=0.05,
        train_batch=32,
        train_epochs=5,
        train_filters=1,
        train_blocks=3,
        train_filters2=1,
        train_filters3=1,
    ),
    "A bigger network (3 blocks, 8 filters)": dict(
        train_lr=0.05,
        train_batch=32,
        train_epochs=5,
        train_filters=8,
        train_blocks=3,
        train_filters2=16,
        train_filters3=32,
    ),
}
DEFAULTS = {
    "train_task": "xo",
    "train_class_names": own_classes.DEFAULT_NAMES,
    "train_preset": "A good start",
    **PRESETS["A good start"],
    "train_kernel": 3,
    "train_pool": "max",
    "train_pace": next(iter(PACES)),
    "train_seed": 0,
    "train_weight_filter": 0,
    "train_weight_row": 0,
    "train_weight_col": 0,
}
JOB = "_train_job"
TASKS = {"xo": "X or O (generated)", "digits": "Digits 0–9 (drawn by code)", "own": "Your own classes (you draw them)"}
FINAL = ("finished", "diverged", "time cap", "stopped")


# ---------------------------------------------------------------- the session's job
def _apply_preset() -> None:
    st.session_state.update(PRESETS[st.session_state["train_preset"]])


def _chosen(data: Dataset) -> tuple[Design, Settings]:
    s = st.session_state
    design = Design(
        input_shape=data.input_shape,
        classes=len(data.classes),
        blocks=int(s["train_blocks"]),
        filters=int(s["train_filters"]),
        kernel=int(s["train_kernel"]),
        pool=s["train_pool"],
        widths=tuple(int(s[_filters_key(b)]) for b in range(int(s["train_blocks"]))),
    )
    settings = Settings(
        learning_rate=float(s["train_lr"]),
        batch_size=int(s["train_batch"]),
        epochs=int(s["train_epochs"]),
        seed=int(s["train_seed"]),
        pace=PACES[s["train_pace"]],
    )
    return design, settings


def _filters_key(block: int) -> str:
    return "train_filters" if block == 0 else f"train_filters{block + 1}"


def _data(task: str) -> Dataset | None:
    if task == "xo":
        return xo_dataset()
    if task == "digits":
        with st.spinner("Drawing 2,500 digits (once per server, a few seconds)…"):
            return digit_dataset()
    return own_classes.collect()


def _signature(data: Dataset) -> tuple:
    """What the examples are, in a few bytes: a new example (or a removed one) makes a new training."""
    digest = hashlib.blake2b(data.x_train.numpy().tobytes() + data.x_held.numpy().tobytes(), digest_size=12)
    return data.name, data.classes, digest.hexdigest()


def _job(data: Dataset) -> TrainingJob:
    """The session's training: made anew (random weights) when the examples, the design or the
    settings change while it is not training; a training under way keeps its own until it ends or is reset."""
    design, settings = _chosen(data)
    wanted = (design, settings, _signature(data))
    job: TrainingJob | None = st.session_state.get(JOB)
    same = job is not None and st.session_state.get("_train_job_for") == wanted
    if job is None or (not same and job.status not in ("training", "queued")):
        if job is not None:
            job.stop()
        job = TrainingJob(Trainer(design, settings, data), QUEUE)
        st.session_state[JOB] = job
        st.session_state["_train_job_for"] = wanted
        same = True
    job.watched()
    if not same:
        st.info(
            "You changed the examples, the design or the settings: they apply to a new, random network once "
            "this training stops (or press Reset now)."
        )
    return job


def _train() -> None:
    st.session_state[JOB].start()


def _pause() -> None:
    st.session_state[JOB].pause()


def _step() -> None:
    st.session_state[JOB].step_once()


def _reset() -> None:
    job = st.session_state.pop(JOB, None)
    if job is not None:
        job.stop()
    st.session_state["train_seed"] = int(st.session_state["train_seed"]) + 1  # new random numbers


# ---------------------------------------------------------------- pieces of the page
def _sidebar() -> None:
    with st.sidebar:
        st.header("1 · What to learn")
        task = st.radio("Examples", list(TASKS), key="train_task", format_func=TASKS.get)
        if task == "xo":
            st.caption(
                "X or O, on the lesson's 16×16 grid of ±1 pixels: 2,000 generated training examples "
                "(random size, slant, stroke and position) and 500 held-out ones it never trains on."
            )
        elif task == "digits":
            st.caption(
                "Digits 0–9 drawn stroke by stroke by code, each with its own slant, size, pen and wobble, "
                "prepared as MNIST's are (32×32): 2,000 to train on, 500 held out."
            )
        else:
            st.caption(
                "Name 2 to 5 classes and draw at least 5 examples of each on the page (or photograph drawings "
                "with the webcam). One in five of each class is held out to test on. They stay in this session only."
            )
        st.header("2 · Design the network")
        st.slider("Conv blocks (conv → ReLU → pool)", 1, MAX_BLOCKS, key="train_blocks")
        for b in range(int(st.session_state["train_blocks"])):
            st.select_slider(
                f"Filters in block {b + 1} (conv{b + 1})",
                FILTER_COUNTS,
                key=_filters_key(b),
                help="How many features this layer learns; each reads every map of the block before."
                if b
                else "How many features the first layer learns: the filters you watch change.",
            )
        st.radio("Kernel size", KERNEL_SIZES, key="train_kernel", horizontal=True, format_func=lambda k: f"{k}×{k}")
        st.radio("Pooling", list(POOLS), key="train_pool", format_func=POOLS.get)
        st.header("3 · Train")
        st.selectbox("Try a preset", list(PRESETS), key="train_preset", on_change=_apply_preset)
        st.select_slider(
            "Learning rate (how big each nudge is)",
            LEARNING_RATES,
            key="train_lr",
            format_func=lambda v: format_number(v, 4),
        )
        st.select_slider("Batch size (examples per nudge)", BATCH_SIZES, key="train_batch")
        st.slider("Epochs (passes over the training examples)", 1, 30, key="train_epochs")
        st.radio("Speed", list(PACES), key="train_pace")


def _design_table(design: Design, data: Dataset) -> None:
    rows = layer_rows(design)
    st.markdown(
        f"**The network you designed** · {parameter_count(design):,} numbers to learn "
        f"(weights and biases), every one random to start with."
    )
    st.dataframe(
        [
            {
                "layer": "input",
                "what it does": f"{data.name}: {INPUT_WORDS[data.kind]}",
                "output": "{1}×{2}×{0}".format(*data.input_shape),
                "parameters": 0,
            },
            *(
                {"layer": r.name, "what it does": r.what, "output": r.shape_label, "parameters": r.parameters}
                for r in rows
            ),
        ],
        hide_index=True,
        width="stretch",
    )


def _status_line(job: TrainingJob) -> str:
    t = job.trainer
    h = t.history
    where = f"epoch {h.epochs[-1]:.1f} of {t.settings.epochs}, step {t.step_count} of {t.total_steps}"
    held = f"held-out accuracy **{h.held_accuracy[-1]:.1%}**"
    match job.status:
        case "ready":
            guess = 1 / len(t.data.classes)
            return f"Random weights, not trained yet: {held} (guessing would get about {guess:.0%}). Press **Train**."
        case "queued":
            position = job.position
            return (
                f"Waiting in line: **{position}{_ordinal(position)}** (this server trains {QUEUE.limit} networks "
                "at once; yours starts when one finishes)."
                if position
                else "Starting…"
            )
        case "training":
            return f"Training: {where} — {held}."
        case "paused":
            return f"Paused at {where} — {held}. **Train** goes on from here; **One step** makes a single nudge."
        case "finished":
            done = f"Finished: {t.settings.epochs} epochs, {t.step_count} steps in {job.trained_s:.1f} s — {held}."
            guess = 1 / len(t.data.classes)
            if h.held_accuracy[-1] < guess + 0.1:
                return (
                    done + f" That is no better than guessing ({guess:.0%}): " + _bottleneck(t.design)
                    if _bottleneck(t.design)
                    else done
                    + f" That is no better than guessing ({guess:.0%}): try another learning rate or a bigger network."
                )
            return done
        case "diverged":
            return (
                f"**It diverged** at step {t.step_count}: the loss "
                + (
                    f"grew to {format_number(t.last_batch_loss, 3)}. "
                    if np.isfinite(t.last_batch_loss)
                    else "overflowed. "
                )
                + "Each nudge overshot and the next one overshot more: the learning rate is too high. Lower it and press Reset."
            )
        case "time cap":
            return f"Stopped at the time limit ({job.time_cap_s:.0f} s) at {where} — {held}."
        case _:
            return f"Stopped at {where} (nobody was watching) — {held}. **Train** goes on from here."


def _bottleneck(design: Design) -> str:
    """Why a network this narrow cannot learn, in words, or '' when it is not the narrowness."""
    narrowest = min(design.filters_of(b) for b in range(design.blocks))
    features = layer_rows(design)[-2].output[0]
    if narrowest > 1 and features > 8:
        return ""
    return (
        f"everything it sees must pass through {narrowest} map{'s' if narrowest > 1 else ''} and reach the vote as "
        f"only {features} number{'s' if features > 1 else ''}, too little room to tell the classes apart (and a "
        "single filter that stops firing for every example never learns again). Give it more filters and press Reset."
    )


def _ordinal(n: int | None) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(n if n is not None and n % 100 not in (11, 12, 13) else 0, "th")


def _controls(job: TrainingJob) -> None:
    c1, c2, c3, c4 = st.columns(4)
    running = job.status in ("training", "queued")
    over = job.status in FINAL and job.status != "stopped"  # a stopped one (nobody watched) can go on
    c1.button(
        "Train",
        icon=":material/play_arrow:",
        on_click=_train,
        disabled=running or over,
        type="primary",
        width="stretch",
        key="train_go",
    )
    c2.button(
        "Pause", icon=":material/pause:", on_click=_pause, disabled=not running, width="stretch", key="train_pause"
    )
    c3.button(
        "One step",
        icon=":material/skip_next:",
        on_click=_step,
        disabled=running or over,
        width="stretch",
        key="train_step",
    )
    c4.button("Reset to random", icon=":material/restart_alt:", on_click=_reset, width="stretch", key="train_reset")
    st.caption("Changing the examples, the design or a setting starts a new network from random numbers.")


def _curves(job: TrainingJob) -> None:
    h = job.trainer.history
    font = display.figure_font()
    left, right = st.columns(2)
    for column, title, series, axis in (
        (left, "Loss (the error it makes smaller)", (h.train_loss, h.held_loss), None),
        (right, "Accuracy", (h.train_accuracy, h.held_accuracy), [0, 1.02]),
    ):
        fig = go.Figure()
        for values, name, colour in zip(series, ("training", "held-out"), (NEGATIVE_HEX, POSITIVE_HEX), strict=True):
            fig.add_trace(
                go.Scatter(x=h.epochs, y=values, name=name, mode="lines+markers", marker_size=4, line_color=colour)
            )
        fig.update_layout(
            font=dict(size=font),
            title=dict(text=title, font=dict(size=font + 1)),
            height=300,
            margin=dict(l=0, r=0, t=36, b=0),
            xaxis=dict(title="epochs", range=[0, job.trainer.settings.epochs]),  # steady while it grows
            yaxis=dict(range=axis, tickformat=".0%" if axis else None, rangemode="tozero"),
            legend=dict(orientation="h", y=-0.3),
        )
        with column:
            st.plotly_chart(fig, config={"displayModeBar": False}, key=f"train_curve_{title[:4]}")


def _filters(job: TrainingJob) -> None:
    h = job.trainer.history
    now, start = h.filters[-1], h.filters[0]
    scale = float(max(np.abs(now).max(), np.abs(start).max())) or 1.0
    name = "conv1"
    st.markdown(f"**{name}'s filters now**, and how each one changed since the random start (left to right):")
    moments = np.unique(np.linspace(0, len(h.filters) - 1, min(8, len(h.filters))).round().astype(int))
    for i in range(now.shape[0]):
        strip = [diverging(h.filters[m][i, 0], scale) for m in moments]
        captions = [f"ep {h.epochs[m]:.1f}" for m in moments]
        st.html(
            f'<div style="display:flex;gap:1rem;align-items:center"><b style="min-width:4rem">{name}[{i}]</b>'
            + thumbnails_html(strip, captions, 3.5)
            + "</div>"
        )
    st.caption(f"One colour scale for all of them: ±{format_number(scale, 3)} (red positive, blue negative).")


def _mistakes(job: TrainingJob) -> None:
    t = job.trainer
    with job.lock:
        missed, wrong = t.mistakes()
    classes = t.data.classes
    total = len(t.data.y_held)
    if not wrong:
        st.markdown(f"**Held-out examples it gets wrong now:** none of the {total}.")
        return
    st.markdown(f"**Held-out examples it gets wrong now:** {missed} of {total}; the first {len(wrong)}:")
    lo = min(0.0, float(t.data.x_held.min()))
    pictures = [grayscale(t.data.x_held[i, 0].numpy(), lo, 1) for i, _, _ in wrong]
    st.html(thumbnails_html(pictures, [f"{classes[a]}, said {classes[b]}" for _, a, b in wrong], 5.0))


def _trained_copy(job: TrainingJob) -> tuple[torch.nn.Module, dict]:
    """The network as it is now (a copy: training on never changes what was opened) and its card."""
    t = job.trainer
    with job.lock:
        model = copy.deepcopy(t.model).eval()
        h = t.history
        name = f"{t.data.name}, {t.design.blocks}×conv {t.design.kernel}×{t.design.kernel}, {t.design.widths_text}"
        held = len(t.data.y_held)
        card = card_for(t.design, t.data.classes, name, h.held_accuracy[-1], held, h.epochs[-1], t.data.kind)
    return model, card


def _try_it(job: TrainingJob) -> None:
    st.subheader("Try it on a new drawing")
    t = job.trainer
    draw, verdict = st.columns([1, 2], gap="large")
    with draw:
        pixels = drawing.canvas_pixels("train_try", size=200)
    if pixels is None:
        verdict.caption(f"Draw one of: {', '.join(t.data.classes)}.")
        return
    grid = t.data.read(pixels)
    with job.lock:
        p = t.predict(grid)
    best = int(np.argmax(p))
    with verdict:
        st.markdown(f"### It says: **{t.data.classes[best]}** ({p[best]:.0%})")
        st.html(thumbnails_html([grayscale(grid[0], min(0.0, float(grid.min())), 1)], ["what it read"], 5.0))
        st.markdown(" · ".join(f"{name} {v:.1%}" for name, v in zip(t.data.classes, p, strict=True)))


def _look_inside(job: TrainingJob) -> None:
    st.subheader("Then look inside")
    st.caption(
        "Open the network as it is now in Inside the CNN: every layer on your own drawing, explain a pixel with "
        "its weights, swap a filter. It stays in this session only; download it to open it again another day."
    )
    c1, c2, c3 = st.columns([2, 1, 1])
    if c1.button(
        "Open in Inside the CNN", icon=":material/neurology:", type="primary", key="train_open", width="stretch"
    ):
        model, card = _trained_copy(job)
        st.session_state["inspector_model"] = session_networks.add(model, card, job.trainer.design)
        _switch_to_inside()
    model, card = _trained_copy(job)
    weights, card_bytes = to_files(model, card)
    c2.download_button(
        "Weights",
        weights,
        "my-network.safetensors",
        "application/octet-stream",
        key="train_dl_weights",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )
    c3.download_button(
        "Card",
        card_bytes,
        "my-network.json",
        "application/json",
        key="train_dl_card",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )


def _switch_to_inside() -> None:
    from viz.ui import pages  # here, not at the top: pages imports this module

    st.switch_page(pages.inside_page())  # the same page as the navigation's: matched by its url_path


def _open_saved() -> None:
    """A network downloaded from this page before: its two files, checked, then opened in Inside the CNN."""
    with st.sidebar.expander("Open a network you downloaded"):
        files = st.file_uploader(
            "Its .safetensors and .json files",
            type=["safetensors", "json"],
            accept_multiple_files=True,
            key="train_saved",
        )
        if not files:
            return
        by_kind = {f.name.rsplit(".", 1)[-1].lower(): f for f in files}
        if set(by_kind) != {"safetensors", "json"}:
            st.warning("Upload both files together: the weights (.safetensors) and the card (.json).")
            return
        try:
            model, card, design = from_files(by_kind["safetensors"].getvalue(), by_kind["json"].getvalue())
        except ConvScopeError as exc:
            st.error(str(exc))
            return
        st.success(f"{card['name'][:60]}: {card['test_accuracy']:.1%} on its held-out examples.")
        if st.button("Open it in Inside the CNN", key="train_open_saved"):
            st.session_state["inspector_model"] = session_networks.add(model, card, design)
            _switch_to_inside()


def _one_weight(job: TrainingJob) -> None:
    st.subheader("One weight, up close")
    t = job.trainer
    conv = first_conv(t.model)
    k = conv.kernel_size[0]
    st.caption(
        "Learning, for one number: nudge the weight a little down and a little up and see how the loss "
        "changes. The slope that gives is what backpropagation computes for every weight at once."
    )
    c1, c2, c3, _ = st.columns([1, 1, 1, 2])
    filters = conv.out_channels
    for key, top in (("train_weight_filter", filters), ("train_weight_row", k), ("train_weight_col", k)):
        if st.session_state[key] >= top:
            st.session_state[key] = 0
    f = int(c1.number_input(f"conv1 filter (0–{filters - 1})", 0, filters - 1, key="train_weight_filter"))
    r = int(c2.number_input(f"Row (0–{k - 1})", 0, k - 1, key="train_weight_row"))
    c = int(c3.number_input(f"Column (0–{k - 1})", 0, k - 1, key="train_weight_col"))
    with job.lock:
        x, y = t.data.x_train[:256], t.data.y_train[:256]
        n = nudge_one_weight(t.model, "conv1", (f, 0, r, c), x, y, t.settings.learning_rate)
    ok = n.agreement < 1e-4
    st.markdown(
        f"Weight conv1[{f}, 0, {r}, {c}] = **{format_number(n.weight, 5)}**; the loss on the first 256 training "
        f"examples is **{n.loss:.8f}**.\n\n"
        f"- Nudged down by {n.nudge:g}: loss {n.loss_down:.8f}; nudged up: loss {n.loss_up:.8f}.\n"
        f"- Slope = ({n.loss_up:.8f} − {n.loss_down:.8f}) ÷ {2 * n.nudge:g} = **{n.slope:.8f}**.\n"
        f"- Backpropagation's gradient for this weight: **{n.gradient:.8f}** — "
        + (
            f"the same to {abs(n.slope - n.gradient):.1e}."
            if ok
            else f"they differ by {abs(n.slope - n.gradient):.1e} (the loss bends sharply here)."
        )
        + f"\n- One update step: weight − learning rate × gradient = {format_number(n.weight, 5)} − "
        f"{format_number(n.learning_rate, 4)} × {n.gradient:.8f} = **{format_number(n.new_weight, 5)}**, and the loss "
        f"becomes **{n.new_loss:.8f}** ({'smaller' if n.new_loss < n.loss else 'larger: the step overshot'})."
    )


def _live() -> None:
    """The part that changes while training: redrawn every second, alone, until the training stops."""
    job: TrainingJob = st.session_state[JOB]
    job.watched()
    st.markdown(_status_line(job))
    with job.lock:
        _curves(job)
        _filters(job)
    _mistakes(job)
    if job.status not in ("training", "queued") and st.session_state.get("_train_was_running"):
        st.session_state["_train_was_running"] = False
        st.rerun()  # the buttons and "one weight" follow the end of the training
    st.session_state["_train_was_running"] = job.status in ("training", "queued")


# ---------------------------------------------------------------- the page
def render() -> None:
    state.ensure_defaults(DEFAULTS)
    st.title("Train it yourself")
    st.markdown(
        "Where do the features come from? Start from **random numbers**, show the network labelled "
        "examples, **nudge every weight a little** in the direction that makes its error smaller "
        "(backpropagation computes that direction), and repeat."
    )
    _sidebar()
    data = _data(st.session_state["train_task"])
    if data is None:
        _open_saved()
        return
    design, _ = _chosen(data)
    job = _job(data)
    _design_table(design, data)
    _controls(job)
    running = job.status in ("training", "queued")
    st.fragment(_live, run_every=1.0 if running else None)()
    if not running and not all(torch.isfinite(p).all() for p in job.trainer.model.parameters()):
        st.warning(
            "Some of this network's weights are no longer numbers (they overflowed): press Reset to start again."
        )
    elif not running:
        _one_weight(job)
        if job.trainer.step_count > 0:
            _try_it(job)
            _look_inside(job)
    _open_saved()
