"""Convolution, ReLU and pooling as a CNN computes them, plus their size arithmetic.

Everything runs through ``torch.nn.functional``. CNNs compute
cross-correlation: the kernel is not flipped, and the field calls it
convolution anyway. Maps are NumPy arrays shaped (C, H, W).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

from viz.errors import ConvScopeError

PaddingMode = Literal["valid", "same", "explicit"]
PoolKind = Literal["max", "average"]


def output_size(n: int, k: int, p: int, s: int) -> int:
    """Positions a window of size k fits with padding p and stride s: floor((n − k + 2p) / s) + 1."""
    return (n - k + 2 * p) // s + 1


def padding_amount(mode: PaddingMode, kernel_size: int, explicit: int = 0) -> int:
    """Zeros added on each side: 0 for valid, (K − 1) // 2 for same, or the explicit number."""
    if mode == "valid":
        return 0
    if mode == "same":
        return (kernel_size - 1) // 2
    if explicit < 0:
        raise ConvScopeError("Padding cannot be negative.")
    return explicit


@dataclass(frozen=True)
class ConvSettings:
    """How the filter slides: stride, zero padding, bias and normalized-match mode."""

    stride: int = 1
    padding: int = 0
    bias: float = 0.0
    normalized: bool = False  # divide by the number of kernel weights, as the X/O lesson does


def _as_tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def check_conv_fits(height: int, width: int, kernel_size: int, settings: ConvSettings) -> None:
    """Raise a ConvScopeError, worded for the user, when the kernel cannot slide over the image."""
    if settings.stride < 1:
        raise ConvScopeError("The stride must be at least 1.")
    if kernel_size > min(height, width) + 2 * settings.padding:
        raise ConvScopeError(
            f"The {kernel_size}×{kernel_size} kernel is larger than the {height}×{width} image "
            f"with {settings.padding} px of padding: pick a smaller kernel, add padding, or use a larger image."
        )


def conv2d(image: np.ndarray, weights: np.ndarray, settings: ConvSettings) -> np.ndarray:
    """Slide each filter over the image; image (C, H, W), weights (M, C, K, K) -> (M, H', W').

    H' = floor((H − K + 2P) / S) + 1. In normalized mode the sum is divided by
    C·K·K, so a perfect ±1 match scores 1 and a perfect mismatch −1.
    """
    c, h, w = image.shape
    m, wc, k, k2 = weights.shape
    if wc != c or k != k2:
        raise ValueError(f"weights {weights.shape} do not fit an image with {c} channels")
    check_conv_fits(h, w, k, settings)
    out = F.conv2d(
        _as_tensor(image)[None],
        _as_tensor(weights),
        bias=torch.full((m,), float(settings.bias)) if settings.bias else None,
        stride=settings.stride,
        padding=settings.padding,
    )[0]
    if settings.normalized:
        # The bias is added after the division, so it keeps its meaning as an offset.
        out = (out - settings.bias) / (c * k * k) + settings.bias
    return out.numpy()


def relu(maps: np.ndarray) -> np.ndarray:
    """max(0, x) elementwise; any shape -> the same shape."""
    return F.relu(_as_tensor(maps)).numpy()


@dataclass(frozen=True)
class PoolSettings:
    """Which pooling, over what window, moving how far."""

    kind: PoolKind = "max"
    window: int = 2
    stride: int = 2


def check_pool_fits(height: int, width: int, settings: PoolSettings) -> None:
    """Raise a ConvScopeError when the pooling window is larger than the map."""
    if settings.stride < 1 or settings.window < 1:
        raise ConvScopeError("The pooling window and stride must be at least 1.")
    if settings.window > min(height, width):
        raise ConvScopeError(
            f"The {settings.window}×{settings.window} pooling window is larger than the "
            f"{height}×{width} map: pick a smaller window or a larger image."
        )


def pool2d(maps: np.ndarray, settings: PoolSettings) -> np.ndarray:
    """Max or average over windows; (C, H, W) -> (C, floor((H − W_p) / S) + 1, …)."""
    _, h, w = maps.shape
    check_pool_fits(h, w, settings)
    pool = F.max_pool2d if settings.kind == "max" else F.avg_pool2d
    return pool(_as_tensor(maps)[None], settings.window, settings.stride)[0].numpy()


def zeroed_share(before: np.ndarray, after: np.ndarray) -> float:
    """Share of values ReLU set to zero (those that were negative)."""
    return float(np.count_nonzero((before < 0) & (after == 0))) / max(before.size, 1)
