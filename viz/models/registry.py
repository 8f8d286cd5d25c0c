"""Every shipped network, by id: its class, weights, classes and preprocessing.

Adding a network is one ``ModelSpec`` entry here, a module with its
architecture, and a recipe in ``viz.train``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from viz.datasets import CIFAR10_CLASSES, MNIST_CLASSES, PROJECT_ROOT
from viz.errors import ConvScopeError
from viz.glyphs import GLYPH_CLASSES
from viz.models.lenet5 import LeNet5
from viz.models.soundnet import SoundNet
from viz.models.tinyvgg import TinyVGG
from viz.models.xonet import XONet
from viz.preprocess import cifar_to_display, digit_to_mnist, drawing_to_xo, photo_to_cifar
from viz.sound.generated import SOUND_CLASSES
from viz.sound.network_input import NET_NOTE, NET_SHAPE

PRETRAINED_DIR = PROJECT_ROOT / "pretrained"
# Kinds of input that are photos (the rest are drawings on a plain background): how the page words a
# prediction, what a shift brings in at the edges, whether a same-size upload reads back unchanged.
PHOTO_KINDS = frozenset({"photo", "onnx-photo", "onnx-gray"})


def spectrogram_to_input(rgb: np.ndarray) -> np.ndarray:
    """A spectrogram shown as a grey picture ((64, 64, 3) in [0, 1], viz.sound.network_input) -> (1, 64, 64)."""
    return np.ascontiguousarray(rgb[..., 0][None], dtype=np.float32)


def grid_to_display(x: np.ndarray) -> np.ndarray:
    """A ±1 or [0, 1] single-channel input for display; (1, H, W) -> (H, W) in [0, 1]."""
    lo = min(float(x.min()), 0.0)
    return np.clip((x[0] - lo) / (1.0 - lo), 0.0, 1.0)


@dataclass(frozen=True)
class ModelSpec:
    """What the app needs to know about one shipped network."""

    model_id: str
    title: str
    summary: str
    architecture: Callable[[], nn.Module]
    input_shape: tuple[int, int, int]  # (C, H, W)
    classes: tuple[str, ...]
    input_kind: str  # "glyph", "digit", "photo" or "sound": which inputs the page offers
    preprocess: Callable[[np.ndarray], np.ndarray]  # (H, W, 3) in [0, 1] -> input_shape
    to_display: Callable[[np.ndarray], np.ndarray]  # input_shape -> (H, W[, 3]) in [0, 1]
    preprocessing_note: str
    pixels: Any = None  # a viz.probes.pixel_space.PixelSpace when the kind of input does not say it (ONNX files)

    @property
    def weights_path(self) -> Path:
        return PRETRAINED_DIR / f"{self.model_id}.safetensors"

    @property
    def card_path(self) -> Path:
        return PRETRAINED_DIR / f"{self.model_id}.json"


MODELS: dict[str, ModelSpec] = {
    spec.model_id: spec
    for spec in (
        ModelSpec(
            model_id="xo-net",
            title="xo-net: X or O?",
            summary='The network of the "X or O?" lesson: 3×3 features on a grid of ±1 pixels vote X or O.',
            architecture=XONet,
            input_shape=(1, 16, 16),
            classes=GLYPH_CLASSES,
            input_kind="glyph",
            preprocess=drawing_to_xo,
            to_display=grid_to_display,
            preprocessing_note="Cropped to the ink, fitted into a 16×16 grid; a cell is +1 (ink) or −1 (background).",
        ),
        ModelSpec(
            model_id="lenet5-mnist",
            title="LeNet-5: handwritten digits",
            summary="LeNet-5 trained on the 60,000 MNIST digits: two conv/pool stages and three fully connected layers.",
            architecture=LeNet5,
            input_shape=(1, 32, 32),
            classes=MNIST_CLASSES,
            input_kind="digit",
            preprocess=digit_to_mnist,
            to_display=grid_to_display,
            preprocessing_note=(
                "As MNIST was made: cropped to the ink, scaled into 20×20, centred by its centre of "
                "mass in 28×28, white ink on black, padded by 2 to 32×32."
            ),
        ),
        ModelSpec(
            model_id="tinyvgg-cifar10",
            title="TinyVGG: photos (CIFAR-10)",
            summary="A small VGG-style network trained on the 50,000 CIFAR-10 photos of 10 kinds of thing.",
            architecture=TinyVGG,
            input_shape=(3, 32, 32),
            classes=CIFAR10_CLASSES,
            input_kind="photo",
            preprocess=photo_to_cifar,
            to_display=cifar_to_display,
            preprocessing_note=(
                "Centre-cropped to a square, shrunk to 32×32 pixels, and each colour channel "
                "normalized with the training set's mean and standard deviation."
            ),
        ),
        ModelSpec(
            model_id="sound-net",
            title="sound-net: what kind of sound?",
            summary="Six kinds of sound (rising, falling, steady, chord, clicks, noise), read from a spectrogram: "
            "sound as a picture.",
            architecture=SoundNet,
            input_shape=NET_SHAPE,
            classes=SOUND_CLASSES,
            input_kind="sound",
            preprocess=spectrogram_to_input,
            to_display=grid_to_display,
            preprocessing_note=NET_NOTE,
        ),
    )
}


def get_spec(model_id: str) -> ModelSpec:
    """The registry entry for model_id, or a ConvScopeError naming the known ids."""
    try:
        return MODELS[model_id]
    except KeyError:
        raise ConvScopeError(f"Unknown network {model_id!r}; the shipped ones are {', '.join(MODELS)}.") from None


def load_state(model: nn.Module, path: Path) -> nn.Module:
    """Load safetensors weights into model, checking every name and shape; never unpickles."""
    if not path.is_file():
        raise ConvScopeError(
            f"The weights file {path.name} is missing from pretrained/. "
            f"Reinstall the project or retrain it with `python -m viz.train {path.stem}`."
        )
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ConvScopeError(f"The weights file {path.name} is corrupt ({exc}).") from exc
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise ConvScopeError(f"{path.name} does not match the architecture: missing {missing}, unexpected {extra}.")
    for name, tensor in tensors.items():
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise ConvScopeError(
                f"{path.name}: {name} has shape {tuple(tensor.shape)}, "
                f"the architecture needs {tuple(expected[name].shape)}."
            )
        if not torch.isfinite(tensor).all():
            raise ConvScopeError(f"{path.name}: {name} holds NaN or infinite values.")
    model.load_state_dict(tensors, strict=True)
    return model.eval()


CARD_KEYS = {"parameters": int, "test_accuracy": float, "test_images": int}


def files_stamp(model_id: str) -> tuple:
    """(size, mtime) of the network's weights and card: changes when either file is replaced."""
    spec = get_spec(model_id)
    stamp = []
    for path in (spec.weights_path, spec.card_path):
        try:
            info = path.stat()
            stamp.append((info.st_size, info.st_mtime_ns))
        except OSError:
            stamp.append(None)
    return tuple(stamp)


def load_model(model_id: str) -> nn.Module:
    """The trained network model_id, in eval mode, on the CPU; a ConvScopeError naming it and its file."""
    spec = get_spec(model_id)
    try:
        return load_state(spec.architecture(), spec.weights_path)
    except ConvScopeError as exc:
        raise ConvScopeError(f"{spec.title} cannot be opened. {exc}") from exc


def load_card(model_id: str) -> dict:
    """The JSON model card written beside the weights by ``viz.train``, checked for the keys the pages read."""
    spec = get_spec(model_id)
    path = spec.card_path
    fix = f"Reinstall the project or retrain it with `python -m viz.train {model_id}`."
    if not path.is_file():
        raise ConvScopeError(f"{spec.title} cannot be opened: its model card {path.name} is missing. {fix}")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ConvScopeError(
            f"{spec.title} cannot be opened: its model card {path.name} is not valid JSON. {fix}"
        ) from None
    if not isinstance(card, dict):
        raise ConvScopeError(f"{spec.title} cannot be opened: its model card {path.name} is not a JSON object. {fix}")
    wrong = [key for key, kind in CARD_KEYS.items() if not isinstance(card.get(key), kind | int)]
    if wrong:
        raise ConvScopeError(
            f"{spec.title} cannot be opened: its model card {path.name} lacks a valid {', '.join(wrong)}. {fix}"
        )
    return card
