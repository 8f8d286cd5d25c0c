"""Networks trained (or re-opened) in this session, opened in Inside the CNN like the shipped ones.

They live in the session only. Each gets a new id, so nothing cached under an id is ever shared
between sessions or between two networks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from torch import nn

from viz.designs import Design
from viz.glyphs import GLYPH_CLASSES
from viz.live_training import PREPROCESS
from viz.models.registry import ModelSpec, grid_to_display

KEY = "_session_networks"
PREFIX = "mine-"
MAX_KEPT = 5  # the last few; older ones are let go


@dataclass(frozen=True)
class SessionNetwork:
    spec: ModelSpec
    model: nn.Module
    card: dict


def keep(make_spec: Callable[[str], ModelSpec], model: nn.Module, card: dict) -> str:
    """Keep a network for this session under a new id (the inspector's network choice); returns the id."""
    kept: dict[str, SessionNetwork] = st.session_state.setdefault(KEY, {})
    model_id = PREFIX + uuid.uuid4().hex[:10]
    kept[model_id] = SessionNetwork(make_spec(model_id), model.eval(), card)
    while len(kept) > MAX_KEPT:
        kept.pop(next(iter(kept)))
    return model_id


POOL_WORDS = {"max": "max pooling", "average": "average pooling", "none": "no pooling"}


def add(model: nn.Module, card: dict, design: Design) -> str:
    """Keep a network trained on the Train page for this session; returns its id."""
    return keep(lambda model_id: _trained_spec(model_id, card, design), model, card)


def _trained_spec(model_id: str, card: dict, design: Design) -> ModelSpec:
    classes = tuple(card["classes"])
    digits = card.get("reads") == "digit"
    spec = ModelSpec(
        model_id=model_id,
        title=f"Yours: {card['name']}",
        summary=(
            f"The network you trained on this page ({design.blocks} conv block{'s' if design.blocks > 1 else ''}, "
            f"{design.widths_text} of {design.kernel}×{design.kernel}, {POOL_WORDS[design.pool]}), for this session only."
        ),
        architecture=lambda: None,
        input_shape=design.input_shape,
        classes=classes,
        input_kind="digit" if digits else "glyph" if classes == GLYPH_CLASSES else "drawing",
        preprocess=PREPROCESS["digit" if digits else "grid"],
        to_display=grid_to_display,
        preprocessing_note=(
            "As MNIST was made: cropped to the ink, scaled into 20×20, centred in 28×28, padded to 32×32."
            if digits
            else "Cropped to the ink, fitted into a 16×16 grid; a cell is +1 (ink) or −1 (background)."
        ),
    )
    return spec


def get(model_id: str) -> SessionNetwork | None:
    return st.session_state.get(KEY, {}).get(model_id)


def ids() -> list[str]:
    return list(st.session_state.get(KEY, {}))
