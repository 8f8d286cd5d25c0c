"""A network trained on the page as two files, safetensors weights and a JSON card, like the shipped
ones: made in memory for a download, and read back (checked, never unpickled) when uploaded again."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import nn

from viz.designs import Design, build
from viz.errors import ConvScopeError

CARD_KIND = "convscope-trained-on-the-page"
MAX_FILE_BYTES = 20 * 1024 * 1024  # the largest design (3 blocks of 64 7×7 filters, no pooling, digits) is ~4.3 MB


def card_for(
    design: Design,
    classes: tuple[str, ...],
    name: str,
    held_accuracy: float,
    held_images: int,
    epochs: float,
    reads: str = "grid",
) -> dict:
    """The card: what the network is, how it was built, how well it did on examples it never trained on,
    and how it reads a drawing ("grid": the lesson's ±1 grid; "digit": MNIST-style)."""
    return {
        "kind": CARD_KIND,
        "name": name,
        "reads": reads,
        "classes": list(classes),
        "design": {**asdict(design), "input_shape": list(design.input_shape), "widths": list(design.widths)},
        "parameters": sum(p.numel() for p in build(design).parameters()),
        "test_accuracy": round(float(held_accuracy), 4),
        "test_images": int(held_images),
        "epochs": round(float(epochs), 2),
    }


def to_files(model: nn.Module, card: dict) -> tuple[bytes, bytes]:
    """(weights.safetensors bytes, card.json bytes)."""
    weights = save_tensors({k: v.detach().contiguous() for k, v in model.state_dict().items()})
    return weights, json.dumps(card, indent=2, ensure_ascii=False).encode("utf-8")


def from_files(weights: bytes, card_text: bytes) -> tuple[nn.Module, dict, Design]:
    """The network and its card from the two files, or a ConvScopeError saying what is wrong with which."""
    if len(weights) > MAX_FILE_BYTES or len(card_text) > 100_000:
        raise ConvScopeError("These files are too large to be a network trained on this page.")
    try:
        card = json.loads(card_text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ConvScopeError(
            "The card (.json) is not valid JSON: upload the card that was downloaded with the weights."
        ) from None
    if not isinstance(card, dict) or card.get("kind") != CARD_KIND:
        raise ConvScopeError("The card (.json) is not the card of a network trained on this page.")
    try:
        d = card["design"]
        design = Design(
            input_shape=tuple(int(v) for v in d["input_shape"]),
            classes=int(d["classes"]),
            blocks=int(d["blocks"]),
            filters=int(d["filters"]),
            kernel=int(d["kernel"]),
            pool=str(d["pool"]),
            widths=tuple(int(v) for v in d.get("widths") or ()),  # cards before widths: the doubling rule
        )
        classes = tuple(str(c)[:40] for c in card["classes"])
        accuracy = float(card["test_accuracy"])
        if card.get("reads", "grid") not in ("grid", "digit"):
            raise ValueError("reads")
        if len(classes) != design.classes or not math.isfinite(accuracy):
            raise ValueError("classes")
    except (KeyError, TypeError, ValueError):
        raise ConvScopeError("The card (.json) lacks a valid design, class list or accuracy.") from None
    try:
        tensors = load_tensors(weights)
    except (SafetensorError, ValueError, OSError) as exc:
        raise ConvScopeError(f"The weights (.safetensors) cannot be read ({str(exc)[:80]}).") from None
    model = build(design)
    expected = model.state_dict()
    if set(tensors) != set(expected) or any(tuple(tensors[k].shape) != tuple(v.shape) for k, v in expected.items()):
        raise ConvScopeError(
            "The weights (.safetensors) do not match the design in the card: were they downloaded together?"
        )
    if not all(torch.isfinite(t).all() for t in tensors.values()):
        raise ConvScopeError("The weights (.safetensors) hold NaN or infinite values.")
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    card = {**card, "classes": list(classes)}
    return model.eval(), card, design
