"""Inside the CNN · Open your own network: an ONNX file (with an optional JSON of class names and
normalization), or a network downloaded from "Train it yourself". Read in memory, kept for this session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from viz.errors import ConvScopeError
from viz.images import MAX_UPLOAD_MB
from viz.network_files import from_files
from viz.onnx_network import SETTINGS_EXAMPLE, SUPPORTED, onnx_card, onnx_spec, read_onnx, reading_for
from viz.ui import session_networks

KEY = "inspector_own_files"
_PARSED = "_inspector_own_parsed"  # (the uploads' ids, Ready or error text): parsed once per upload


@dataclass(frozen=True)
class Ready:
    """A network read from the user's files, waiting for "Open it"."""

    words: str
    open: Any  # () -> the new session network's id


def _read(files: list) -> Ready:
    by_kind: dict[str, Any] = {}
    for f in files:
        kind = f.name.rsplit(".", 1)[-1].lower()
        if kind in by_kind:
            raise ConvScopeError(f"Two .{kind} files: upload one network at a time.")
        by_kind[kind] = f
    if "onnx" in by_kind:
        if "safetensors" in by_kind:
            raise ConvScopeError("Upload either an ONNX file or a .safetensors + .json pair, not both.")
        onnx_file = by_kind["onnx"]
        opened = read_onnx(onnx_file.getvalue(), onnx_file.name)
        settings = by_kind["json"].getvalue() if "json" in by_kind else None
        reading = reading_for(opened, settings)
        card = onnx_card(opened, reading, onnx_file.name)
        c, h, w = opened.input_shape
        words = (
            f"**{card['name']}**: {len(card['layers'])} layers, {card['parameters']:,} parameters; reads "
            f"{c}×{h}×{w}, gives {opened.outputs} scores ({', '.join(reading.classes[:5])}"
            f"{'…' if opened.outputs > 5 else ''}); {opened.forward_seconds * 1000:.0f} ms per picture here."
        )
        if settings is None:
            words += " No .json with it: its classes are numbered and its pixels go in from 0 to 1."
        return Ready(
            words,
            lambda: session_networks.keep(
                lambda mid: onnx_spec(mid, opened, reading, onnx_file.name), opened.model, card
            ),
        )
    if {"safetensors", "json"} <= set(by_kind):
        model, card, design = from_files(by_kind["safetensors"].getvalue(), by_kind["json"].getvalue())
        words = f"**{card['name'][:60]}**: {card['test_accuracy']:.1%} on its held-out examples."
        return Ready(words, lambda: session_networks.add(model, card, design))
    if "safetensors" in by_kind:
        raise ConvScopeError("Add its card (.json) too: the weights alone do not say what the network is.")
    raise ConvScopeError("Add the network itself: an .onnx file (the .json only names its classes).")


def _open(ready: Ready) -> None:
    st.session_state["inspector_model"] = ready.open()


def opener() -> None:
    """The sidebar's uploader; opening a network selects it (a callback: before the Network box is drawn)."""
    with st.expander("Open your own network"):
        st.caption(
            "An **ONNX** file (PyTorch, Keras and most frameworks export one), with an optional .json such as "
            f"`{SETTINGS_EXAMPLE}`; or the two files of a network from *Train it yourself*. Read in memory, "
            "never saved, for this session only."
        )
        files = st.file_uploader(
            f"Network files (up to {MAX_UPLOAD_MB} MB)",
            type=["onnx", "json", "safetensors"],
            accept_multiple_files=True,
            key=KEY,
            max_upload_size=MAX_UPLOAD_MB,
        )
        if not files:
            return
        uploads = tuple(f.file_id for f in files)  # one id per upload: no need to hash megabytes on every rerun
        parsed = st.session_state.get(_PARSED)
        if parsed is None or parsed[0] != uploads:
            try:
                result: Ready | str = _read(files)
            except ConvScopeError as exc:
                result = str(exc)
            parsed = (uploads, result)
            st.session_state[_PARSED] = parsed
        result = parsed[1]
        if isinstance(result, str):
            st.error(result)
            return
        st.markdown(result.words)
        st.button("Open it", key="inspector_own_open", on_click=_open, args=(result,), type="primary")
        st.caption(f"Operations it can read: {', '.join(SUPPORTED)}.")
