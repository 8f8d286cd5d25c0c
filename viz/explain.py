"""'Explain a pixel': every number behind one value of a feature map.

Works for the playground's filter and for a real network's convolution
(input patch × kernel, summed over input channels, + bias), and follows the
value through ReLU and into its pooling window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch.nn.functional as F

from viz.errors import ConvScopeError
from viz.ops import (
    ConvSettings,
    Pair,
    PoolSettings,
    as_pads,
    as_pair,
    as_tensor,
    conv_output_shape,
    pool_output_shape,
)


@dataclass(frozen=True)
class ConvExplanation:
    """How one output value of a convolution came about."""

    row: int
    col: int
    top: int  # the first tap's position on the unpadded input (negative: in the padding)
    left: int
    patch: np.ndarray  # (C, Kh, Kw) input values under the kernel's taps, zeros where they fall in padding
    kernel: np.ndarray  # (C, Kh, Kw)
    products: np.ndarray  # (C, Kh, Kw) patch * kernel
    channel_sums: np.ndarray  # (C,)
    divisor: float  # 1, or C·Kh·Kw in normalized mode
    bias: float
    value: float  # sum(products) / divisor + bias
    padded_cells: int  # how many taps fall in the zero padding
    rows: np.ndarray  # (Kh,) input row of each tap (dilation spreads them)
    cols: np.ndarray  # (Kw,) input column of each tap

    @property
    def total(self) -> float:
        return float(self.channel_sums.sum())

    def padding_mask(self, height: int, width: int) -> np.ndarray:
        """(Kh, Kw) True where a tap falls outside the image, in the zero padding."""
        return ~(((self.rows >= 0) & (self.rows < height))[:, None] & ((self.cols >= 0) & (self.cols < width))[None])


def explain_conv(
    image: np.ndarray,
    kernel: np.ndarray,
    row: int,
    col: int,
    stride: int | Pair = 1,
    padding: int | Sequence[int] = 0,
    bias: float = 0.0,
    divisor: float = 1.0,
    dilation: int | Pair = 1,
) -> ConvExplanation:
    """image (C, H, W), kernel (C, Kh, Kw): the products and sums behind output (row, col).

    padding is a number or (top, left, bottom, right); stride and dilation a number or (rows, columns).
    """
    c, h, w = image.shape
    kh, kw = kernel.shape[-2:]
    (sh, sw), (dh, dw), pads = as_pair(stride), as_pair(dilation), as_pads(padding)
    out_h, out_w = conv_output_shape(h, w, (kh, kw), ConvSettings((sh, sw), pads, dilation=(dh, dw)))
    if not (0 <= row < out_h and 0 <= col < out_w):
        raise ConvScopeError(f"Location ({row}, {col}) is outside the {out_h}×{out_w} feature map.")
    top, left = row * sh - pads[0], col * sw - pads[1]
    rows, cols = top + np.arange(kh) * dh, left + np.arange(kw) * dw
    inside_r, inside_c = (rows >= 0) & (rows < h), (cols >= 0) & (cols < w)
    patch = np.zeros((c, kh, kw), dtype=np.float32)
    patch[np.ix_(np.arange(c), np.flatnonzero(inside_r), np.flatnonzero(inside_c))] = image[
        np.ix_(np.arange(c), rows[inside_r], cols[inside_c])
    ]
    padded_cells = kh * kw - int(inside_r.sum()) * int(inside_c.sum())
    products = patch * kernel
    sums = products.reshape(c, -1).sum(axis=1)
    value = float(sums.sum()) / divisor + bias
    return ConvExplanation(
        row, col, top, left, patch, kernel, products, sums, divisor, bias, value, padded_cells, rows, cols
    )


@dataclass(frozen=True)
class PoolExplanation:
    """Which pooling window(s) a location falls in, and what the first of them makes of it."""

    out_row: int
    out_col: int
    top: int  # the window's top-left cell on the map (negative: in the padding)
    left: int
    window: np.ndarray  # (Kh, Kw) values of the rectified map; NaN for padding and cells past the edge
    winner: tuple[int, int]  # position of the max inside the window (first one on ties)
    pooled: float
    is_winner: bool  # for max pooling: this location is (one of) the window's max
    counted: int  # how many cells the average divides by
    padding_cells: int  # cells of the window in the padding (they count for an average only with count_pad)
    missing_cells: int  # cells of a partial (ceil-mode) window past the padding: they do not exist


def pool_windows_of(row: int, col: int, settings: PoolSettings, height: int, width: int) -> list[tuple[int, int]]:
    """Output positions of every pooling window covering map location (row, col)."""
    out_h, out_w = pool_output_shape(height, width, settings)
    (kh, kw), (sh, sw), (top, left, _, _) = settings.window, settings.stride, settings.padding
    rows = [r for r in range(out_h) if r * sh - top <= row < r * sh - top + kh]
    cols = [c for c in range(out_w) if c * sw - left <= col < c * sw - left + kw]
    return [(r, c) for r in rows for c in cols]


def explain_pool(rectified: np.ndarray, row: int, col: int, settings: PoolSettings) -> PoolExplanation | None:
    """rectified (H, W): the first pooling window covering (row, col), or None if none does.

    With a stride larger than the window some locations are skipped by pooling.
    """
    h, w = rectified.shape
    windows = pool_windows_of(row, col, settings, h, w)
    if settings.kind == "none" or not windows:
        return None
    out_r, out_c = windows[0]
    (kh, kw), (sh, sw), (pt, pl, pb, pr) = settings.window, settings.stride, settings.padding
    top, left = out_r * sh - pt, out_c * sw - pl
    rows, cols = top + np.arange(kh), left + np.arange(kw)
    real = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None]
    padding = ((rows >= -pt) & (rows < h + pb))[:, None] & ((cols >= -pl) & (cols < w + pr))[None] & ~real
    window = np.full((kh, kw), np.nan, dtype=np.float32)
    window[real] = rectified[np.clip(rows, 0, h - 1)[:, None], np.clip(cols, 0, w - 1)[None]][real]
    winner = np.unravel_index(int(np.nanargmax(window)), window.shape)
    counted = int(real.sum()) + (int(padding.sum()) if settings.count_pad else 0)
    if settings.kind == "max":
        pooled = float(np.nanmax(window))
        is_winner = bool(rectified[row, col] == pooled)
    else:
        pooled = float(np.nansum(window)) / counted
        is_winner = False
    missing = kh * kw - int(real.sum()) - int(padding.sum())
    return PoolExplanation(
        out_r,
        out_c,
        top,
        left,
        window,
        (int(winner[0]), int(winner[1])),
        pooled,
        is_winner,
        counted,
        int(padding.sum()),
        missing,
    )


def pool_winners(
    maps: np.ndarray, window: int | Pair, stride: int | Pair, padding: int | Pair = 0, ceil_mode: bool = False
) -> np.ndarray:
    """Which input values a max pool passes on; (C, H, W) -> (C, H, W) bool.

    Ties go to the first position in the window, as PyTorch picks them; padding never wins.
    """
    _, indices = F.max_pool2d(
        as_tensor(maps)[None], window, stride, padding=padding, ceil_mode=ceil_mode, return_indices=True
    )
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
