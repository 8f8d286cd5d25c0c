"""Your own classes: 2–5 names, each filled with drawings or webcam snapshots made on the page.

Every example is turned into the lesson's 16×16 grid of ±1 cells at once (as the X/O network reads a
drawing) and kept in the session only, as that small grid: never the photo, never on disk.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from viz.errors import ConvScopeError
from viz.live_training import Dataset, dataset_from_examples
from viz.preprocess import drawing_to_xo
from viz.render import grayscale
from viz.thumbnails import thumbnails_html
from viz.ui import drawing
from viz.ui.inputs import decode_upload, upload_digest

MIN_EXAMPLES, MAX_EXAMPLES = 5, 40  # per class
MAX_NAME = 20
EXAMPLES = "_train_examples"  # list of ((1, 16, 16) float32 grid, class name)
DEFAULT_NAMES = "smile, frown"


def class_names(text: str) -> tuple[tuple[str, ...], str | None]:
    """The names typed (comma-separated), and what is wrong with them, if anything."""
    names = tuple(n.strip()[:MAX_NAME] for n in text.split(",") if n.strip())
    if not 2 <= len(names) <= 5:
        return names, "Name 2 to 5 classes, separated by commas (for example: smile, frown)."
    if len({n.lower() for n in names}) != len(names):
        return names, "Each class needs its own name."
    return names, None


def _examples() -> list[tuple[np.ndarray, str]]:
    return st.session_state.setdefault(EXAMPLES, [])


def _add(grid: np.ndarray, name: str) -> None:
    examples = _examples()
    if sum(1 for _, n in examples if n == name) >= MAX_EXAMPLES:
        st.session_state["_train_add_note"] = f"{name} has {MAX_EXAMPLES} examples already: that is plenty."
        return
    examples.append((grid, name))
    st.session_state["_train_canvas_n"] = st.session_state.get("_train_canvas_n", 0) + 1  # a fresh canvas


def _clear() -> None:
    st.session_state[EXAMPLES] = []


def _remove_last(name: str) -> None:
    examples = _examples()
    for i in range(len(examples) - 1, -1, -1):
        if examples[i][1] == name:
            del examples[i]
            return


def collect() -> Dataset | None:
    """The page's "your own classes" section; the dataset once every class has enough examples, else None."""
    st.subheader("Your classes")
    text = st.text_input("Class names, separated by commas (2 to 5)", key="train_class_names", max_chars=120)
    names, problem = class_names(text)
    if problem:
        st.warning(problem)
        return None
    examples = [(g, n) for g, n in _examples() if n in names]
    add, shown = st.columns([2, 3], gap="large")
    with add:
        target = st.radio("Add to", names, key="train_add_to", horizontal=True)
        how = st.radio("By", ("Drawing", "Webcam snapshot"), key="train_add_by", horizontal=True)
        grid = None
        if how == "Drawing":
            pixels = drawing.canvas_pixels(f"train_canvas_{st.session_state.get('_train_canvas_n', 0)}", size=200)
            grid = None if pixels is None else drawing_to_xo(pixels)
        else:
            shot = st.camera_input("Take a picture of a drawing on paper", key="train_webcam")
            if shot is not None:
                try:
                    data = shot.getbuffer()
                    grid = drawing_to_xo(decode_upload(data, 512, upload_digest(data)).pixels)
                except ConvScopeError as exc:
                    st.error(str(exc))
        if grid is not None:
            st.html(thumbnails_html([grayscale(grid[0], -1, 1)], ["as the network sees it"], 5.0))
        st.button(
            f"Add to {target}",
            key="train_add",
            disabled=grid is None,
            on_click=_add,
            args=(grid, target),
            icon=":material/add:",
            type="primary",
        )
        note = st.session_state.pop("_train_add_note", None)
        if note:
            st.info(note)
    with shown:
        for name in names:
            mine = [g for g, n in examples if n == name]
            count = f"{len(mine)} example{'s' if len(mine) != 1 else ''}"
            need = f" — {MIN_EXAMPLES - len(mine)} more needed" if len(mine) < MIN_EXAMPLES else ""
            head, undo = st.columns([4, 1])
            head.markdown(f"**{name}** · {count}{need}")
            undo.button("Undo", key=f"train_undo_{name}", on_click=_remove_last, args=(name,), disabled=not mine)
            if mine:
                st.html(thumbnails_html([grayscale(g[0], -1, 1) for g in mine], [""] * len(mine), 2.5))
        st.button("Clear all examples", key="train_clear", on_click=_clear, disabled=not examples)
    if any(sum(1 for _, n in examples if n == name) < MIN_EXAMPLES for name in names):
        st.caption(f"Train starts once every class has at least {MIN_EXAMPLES} examples.")
        return None
    labelled = [(g, names.index(n)) for g, n in examples]
    return dataset_from_examples("your classes", names, labelled)
