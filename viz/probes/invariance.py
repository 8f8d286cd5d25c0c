"""Shift and small changes: how much each layer's activations and the prediction change.

The lessons claim that pooling makes a network care less about exactly where a feature is; this
measures it, as the correlation of every layer's activations before and after the change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from torch import nn

from viz.activations import LayerOutput, capture, softmax


@dataclass(frozen=True)
class Change:
    dx: int = 0  # pixels right
    dy: int = 0  # pixels down
    degrees: float = 0.0  # anticlockwise
    noise: int = 0  # standard deviation, in 8-bit steps
    seed: int = 0

    @property
    def is_none(self) -> bool:
        return not (self.dx or self.dy or self.degrees or self.noise)

    def words(self) -> str:
        parts = []
        if self.dx:
            parts.append(f"moved {abs(self.dx)} px {'right' if self.dx > 0 else 'left'}")
        if self.dy:
            parts.append(f"moved {abs(self.dy)} px {'down' if self.dy > 0 else 'up'}")
        if self.degrees:
            parts.append(f"turned {abs(self.degrees):g}° {'anticlockwise' if self.degrees > 0 else 'clockwise'}")
        if self.noise:
            parts.append(f"noise of σ = {self.noise}/255")
        return ", ".join(parts) or "unchanged"


def changed(pixels: np.ndarray, change: Change, background: float | None) -> np.ndarray:
    """(C, H, W) pixels in [0, 1], moved/turned/noised. What comes in at the edges: background
    (drawings: their paper) or, when None, the picture's own edge pixels repeated (photos)."""
    mode, cval = ("constant", background) if background is not None else ("nearest", 0.0)
    out = pixels.astype(np.float32)
    if change.degrees:
        out = ndimage.rotate(out, change.degrees, axes=(2, 1), reshape=False, order=1, mode=mode, cval=cval)
    if change.dx or change.dy:
        out = ndimage.shift(out, (0, change.dy, change.dx), order=0, mode=mode, cval=cval)
    if change.noise:
        rng = np.random.default_rng(change.seed)
        out = out + rng.normal(0.0, change.noise / 255.0, out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class LayerAgreement:
    name: str
    kind: str
    correlation: float  # Pearson correlation of all the layer's values before and after; nan if constant


@dataclass(frozen=True)
class Comparison:
    before: list[LayerOutput]
    after: list[LayerOutput]
    layers: list[LayerAgreement]
    p_before: np.ndarray
    p_after: np.ndarray


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def compare(model: nn.Sequential, x_before: np.ndarray, x_after: np.ndarray) -> Comparison:
    """Every layer's outputs for both inputs and how well they agree (the input itself is row 0)."""
    before, after = capture(model, x_before), capture(model, x_after)
    rows = [LayerAgreement("input", "input", correlation(x_before, x_after))]
    rows += [
        LayerAgreement(a.name, a.kind, correlation(a.output, b.output)) for a, b in zip(before, after, strict=True)
    ]
    return Comparison(
        before,
        after,
        rows,
        softmax(before[-1].output.astype(np.float64)),
        softmax(after[-1].output.astype(np.float64)),
    )
