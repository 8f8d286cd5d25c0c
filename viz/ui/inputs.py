"""Choosing an image: a sample, an upload or a webcam snapshot, shared by the pages."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from viz.errors import ConvScopeError
from viz.images import (
    ACCEPTED_TYPES,
    DEFAULT_WORKING_SIDE,
    FORMAT_NAMES,
    MAX_UPLOAD_MB,
    MAX_WORKING_SIDE,
    Picture,
    decode_image,
    resize_to_fit,
)
from viz.samples import SAMPLES, load_sample
from viz.ui import drawing
from viz.ui.caching import cached_result
from viz.ui.typed_input import typed_input

SOURCES = ("Sample", "Upload", "Webcam")
DRAW = "Draw"
NUMBERS = "Numbers"
WORKING_SIZES = (64, 128, 256, 384, 512, 768, 1024)


@cached_result(max_entries=16, max_mb=96, ignore=("data",))
def decode_cached(digest: str, data: bytes | memoryview) -> Picture:
    """An upload decoded once at the largest working size, kept in memory only, keyed on the digest of all its bytes."""
    return decode_image(data, MAX_WORKING_SIDE)


def decode_upload(data: bytes | memoryview, max_side: int, digest: str | None = None) -> Picture:
    """The upload at the working size: changing the size shrinks the decoded picture, never decodes again."""
    return resize_to_fit(decode_cached(digest or upload_digest(data), data), max_side)


def upload_digest(data: bytes | memoryview) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@cached_result(max_entries=64, max_mb=64)
def sample_cached(key: str, max_side: int) -> Picture:
    return load_sample(key, max_side)


def image_source(
    page: str,
    sample_keys: list[str],
    working_size: bool = True,
    sources: tuple[str, ...] = SOURCES,
    size_in: DeltaGenerator | None = None,
) -> Picture | np.ndarray | None:
    """The source chooser; returns the chosen Picture (or, for "Numbers", the typed (C, H, W) grid),
    or None after explaining why in the page.

    Widget keys: <page>_source, <page>_sample, <page>_upload, <page>_webcam, <page>_size,
    <page>_canvas (when "Draw" is one of the sources). size_in: where the working-size slider goes
    (the sidebar, say); here by default.
    """
    if st.session_state.get(f"{page}_source") not in sources:
        st.session_state[f"{page}_source"] = sources[0]
    source = st.radio("Image source", sources, key=f"{page}_source", horizontal=True)
    if source == NUMBERS:
        return typed_input()
    if source == DRAW:
        st.caption(
            "Draw with the mouse or a finger; the bin button above the canvas (it appears when you point at it) clears it."
        )
        pixels = drawing.canvas_pixels(f"{page}_canvas")
        if pixels is None:
            st.info("Draw on the canvas to see what the network makes of it.")
            return None
        return Picture(pixels, "your drawing", (), True)
    if st.session_state.get(f"{page}_sample") not in sample_keys:
        st.session_state[f"{page}_sample"] = sample_keys[0]
    max_side = 1024
    if working_size:
        max_side = (size_in or st).select_slider(
            "Working size (longer side, px)",
            options=WORKING_SIZES,
            value=DEFAULT_WORKING_SIDE,
            key=f"{page}_size",
            help="Larger photos are shrunk to this size first. Small pictures are never enlarged.",
        )
    if source == "Sample":
        key = st.selectbox("Sample image", sample_keys, key=f"{page}_sample", format_func=lambda k: SAMPLES[k].label)
        return sample_cached(key, max_side)
    if source == "Upload":
        file = st.file_uploader(
            f"Upload an image ({FORMAT_NAMES.replace(' or ', ', ')}; up to {MAX_UPLOAD_MB} MB)",
            type=list(ACCEPTED_TYPES),
            key=f"{page}_upload",
            help="Your photo is processed in memory only: it is never saved or logged.",
        )
    else:
        file = st.camera_input("Take a picture", key=f"{page}_webcam")
    if file is None:
        st.info(
            "Choose an image to see what the filter does to it." if source == "Upload" else "Take a snapshot to use it."
        )
        return None
    # Digest the upload once (not on every rerun), and read it without copying its bytes.
    digest_key = f"_{page}_digest_{file.file_id}"
    data = file.getbuffer()
    if digest_key not in st.session_state:
        st.session_state[digest_key] = upload_digest(data)
    try:
        with st.spinner("Opening your image…"):  # waits here while two other uploads are being decoded
            return decode_upload(data, max_side, st.session_state[digest_key])
    except ConvScopeError as exc:
        st.error(str(exc))
        return None
