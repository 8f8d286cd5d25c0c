"""'Explain a pixel': every number behind one value of a feature map.

Works for the playground's filter and for a real network's convolution
(input patch × kernel, summed over input channels, + bias), and follows the
value through ReLU and into its pooling window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from viz.errors import ConvScopeError
from viz.ops import PoolSettings


@dataclass(frozen=True)
class ConvExplanation:
    """How one output value of a convolution came about."""

    row: int
    col: int
    top: int  # the patch's top-left corner on the unpadded input (may be negative: padding)
    left: int
    patch: np.ndarray  # (C, K, K) input values under the kernel, zeros where it overhangs
    kernel: np.ndarray  # (C, K, K)
    products: np.ndarray  # (C, K, K) patch * kernel
    channel_sums: np.ndarray  # (C,)
    divisor: float  # 1, or C·K·K in normalized mode
    bias: float
    value: float  # sum(products) / divisor + bias
    padded_cells: int  # how many patch cells fall in the zero padding

    @property
    def total(self) -> float:
        return float(self.channel_sums.sum())


def explain_conv(
    image: np.ndarray,
    kernel: np.ndarray,
    row: int,
    col: int,
    stride: int,
    padding: int,
    bias: float = 0.0,
    divisor: float = 1.0,
) -> ConvExplanation:
    """image (C, H, W), kernel (C, K, K): the products and sums behind output (row, col)."""
    c, h, w = image.shape
    k = kernel.shape[-1]
    top, left = row * stride - padding, col * stride - padding
    padded = np.pad(image, ((0, 0), (padding, padding), (padding, padding)))
    patch = padded[:, top + padding : top + padding + k, left + padding : left + padding + k]
    if patch.shape != kernel.shape:
        raise ConvScopeError(f"Location ({row}, {col}) is outside the feature map.")
    inside_rows = (np.arange(top, top + k) >= 0) & (np.arange(top, top + k) < h)
    inside_cols = (np.arange(left, left + k) >= 0) & (np.arange(left, left + k) < w)
    padded_cells = k * k - int(inside_rows.sum()) * int(inside_cols.sum())
    products = patch * kernel
    sums = products.reshape(c, -1).sum(axis=1)
    value = float(sums.sum()) / divisor + bias
    return ConvExplanation(row, col, top, left, patch, kernel, products, sums, divisor, bias, value, padded_cells)


@dataclass(frozen=True)
class PoolExplanation:
    """Which pooling window(s) a location falls in, and what each makes of it."""

    out_row: int
    out_col: int
    top: int
    left: int
    window: np.ndarray  # (W_p, W_p) values of the rectified map
    winner: tuple[int, int]  # position of the max inside the window
    pooled: float
    is_winner: bool  # for max pooling: this location is (one of) the window's max


def pool_windows_of(row: int, col: int, settings: PoolSettings, height: int, width: int) -> list[tuple[int, int]]:
    """Output positions of every pooling window covering map location (row, col)."""
    s, wp = settings.stride, settings.window
    out_h, out_w = (height - wp) // s + 1, (width - wp) // s + 1
    rows = [r for r in range(out_h) if r * s <= row < r * s + wp]
    cols = [c for c in range(out_w) if c * s <= col < c * s + wp]
    return [(r, c) for r in rows for c in cols]


def explain_pool(rectified: np.ndarray, row: int, col: int, settings: PoolSettings) -> PoolExplanation | None:
    """rectified (H, W): the first pooling window covering (row, col), or None if none does.

    With stride larger than the window some locations are skipped by pooling.
    """
    windows = pool_windows_of(row, col, settings, *rectified.shape)
    if not windows:
        return None
    out_r, out_c = windows[0]
    top, left = out_r * settings.stride, out_c * settings.stride
    window = rectified[top : top + settings.window, left : left + settings.window]
    winner = np.unravel_index(int(np.argmax(window)), window.shape)
    if settings.kind == "max":
        pooled = float(window.max())
        is_winner = bool(rectified[row, col] == pooled)
    else:
        pooled = float(window.mean())
        is_winner = False
    return PoolExplanation(out_r, out_c, top, left, window, (int(winner[0]), int(winner[1])), pooled, is_winner)


def pool_winners(maps: np.ndarray, window: int, stride: int) -> np.ndarray:
    """Which input values a max pool passes on; (C, H, W) -> (C, H, W) bool.

    Ties go to the first position in the window, as PyTorch picks them.
    """
    _, indices = F.max_pool2d(torch.from_numpy(np.ascontiguousarray(maps))[None], window, stride, return_indices=True)
    mask = np.zeros(maps.shape, dtype=bool).reshape(maps.shape[0], -1)
    np.put_along_axis(mask, indices[0].reshape(maps.shape[0], -1).numpy(), True, axis=1)
    return mask.reshape(maps.shape)


@dataclass(frozen=True)
class Votes:
    """How each input of a fully connected layer pushed one output up or down."""

    contributions: np.ndarray  # (I,) weight × activation
    bias: float
    total: float  # sum(contributions) + bias: the output's value


def fc_votes(weight: np.ndarray, bias: np.ndarray, inputs: np.ndarray, output: int) -> Votes:
    """weight (O, I), bias (O,), inputs (I,): the products behind output `output`."""
    contributions = weight[output] * inputs
    return Votes(contributions, float(bias[output]), float(contributions.sum() + bias[output]))


def flat_position(index: int, shape: tuple[int, ...]) -> str:
    """Where element `index` of a flattened (C, H, W) map came from, in words."""
    if len(shape) != 3:
        return f"input {index}"
    c, r, col = np.unravel_index(index, shape)
    return f"channel {c}, row {r}, col {col}" if shape[1] * shape[2] > 1 else f"channel {c}"
