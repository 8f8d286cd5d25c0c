"""The playground's computation: a layer of filters, then ReLU, then pooling, on one image.

A layer has one to eight filters of one size, each with its own bias. The three
colour modes are the three ways a CNN's first layer can meet a colour photo (or a
typed input of several channels): on its luminance, on each channel separately,
or with a 3-D kernel that spans all channels and gives one map per filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from viz.errors import ConvScopeError
from viz.ops import ConvSettings, PoolSettings, conv2d, conv_output_shape, pool2d, relu, zeroed_share
from viz.render import (
    channel_grid,
    display_grid,
    display_picture,
    enlarge,
    grayscale,
    jpeg_bytes,
    picture_rgb,
    robust_limit,
)

ColourMode = Literal["grayscale", "per_channel", "3d"]
RGB_NAMES = ("R", "G", "B")


def channel_names(count: int) -> tuple[str, ...]:
    """R, G, B for three channels; 'channel 1', … otherwise."""
    return RGB_NAMES if count == 3 else tuple(f"channel {i + 1}" for i in range(count))


@dataclass(frozen=True)
class PipelineResult:
    """Every stage of a conv layer (several filters) -> ReLU -> pooling, as (C, H, W) arrays."""

    image: np.ndarray  # (C_in, H, W): the input as the network sees it
    kernels: np.ndarray  # (M, C_k, Kh, Kw): C_k = 1, or C_in for 3-D kernels
    biases: tuple[float, ...]  # one per filter
    mode: ColourMode
    conv: ConvSettings
    pool: PoolSettings
    relu: bool
    feature: np.ndarray  # (maps, H', W'); maps = M, or M·C_in in per-channel mode (filter-major)
    rectified: np.ndarray  # (maps, H', W'): the feature map itself when ReLU is off
    pooled: np.ndarray | None  # (maps, H'', W''); None when the pooling window does not fit
    pool_error: str | None = None  # why not, in words for the pooling panel

    @property
    def filters(self) -> int:
        return self.kernels.shape[0]

    @property
    def map_names(self) -> tuple[str, ...]:
        """One label per map: 'gray', 'R', 'R, G and B together', or 'filter 2 · G' with several filters."""
        channels = self.image.shape[0]
        if self.mode == "per_channel":
            names = channel_names(channels)
            per_filter = names if channels > 1 else ("gray",)
        elif self.mode == "3d" and channels > 1:
            per_filter = ("R, G and B together",) if channels == 3 else ("all channels together",)
        else:
            per_filter = ("gray",)
        if self.filters == 1:
            return per_filter
        if len(per_filter) == 1:
            return tuple(f"filter {f + 1}" for f in range(self.filters))
        return tuple(f"filter {f + 1} · {name}" for f in range(self.filters) for name in per_filter)

    def filter_of(self, map_index: int) -> int:
        """Which filter made map `map_index`."""
        return map_index // self.image.shape[0] if self.mode == "per_channel" else map_index

    def input_channels_of(self, map_index: int) -> list[int]:
        """Which input channels map `map_index` reads: one, or all of them for a 3-D kernel."""
        if self.mode == "per_channel":
            return [map_index % self.image.shape[0]]
        return list(range(self.image.shape[0]))

    def kernel_of(self, map_index: int) -> np.ndarray:
        """(C_k, Kh, Kw): the kernel that made map `map_index`."""
        return self.kernels[self.filter_of(map_index)]

    @property
    def relu_zeroed(self) -> float:
        """Share of feature-map values that ReLU set to zero (0 with ReLU off)."""
        return zeroed_share(self.feature, self.rectified) if self.relu else 0.0


def as_kernel_stack(kernel: np.ndarray, mode: ColourMode, channels: int = 3) -> np.ndarray:
    """A (Kh, Kw) or (C_k, Kh, Kw) kernel as the (C_k, Kh, Kw) stack the mode needs.

    In 3-D mode a one-slice kernel is repeated on each of the channels, divided by their
    number, so a grey image gives the same response as in grayscale mode.
    """
    if kernel.ndim == 2:
        kernel = kernel[None]
    if mode == "3d":
        if kernel.shape[0] == 1:
            return np.repeat(kernel, channels, axis=0) / float(channels)
        if kernel.shape[0] != channels:
            raise ConvScopeError(
                f"A 3-D kernel needs one slice per input channel: {channels} here, not {kernel.shape[0]}."
            )
        return kernel
    if kernel.shape[0] != 1:
        raise ConvScopeError("A 3-D kernel (one slice per channel) only works in the '3-D kernel' colour mode.")
    return kernel


def as_bank(kernels: np.ndarray | list[np.ndarray]) -> np.ndarray:
    """One kernel (Kh, Kw) or (C_k, Kh, Kw), or several of the same size, -> (M, C_k, Kh, Kw)."""
    if isinstance(kernels, list | tuple):
        if len({k.shape[-2:] for k in kernels}) > 1:
            raise ConvScopeError("All filters of a layer have the same size: make every kernel the same size.")
        slices = max(1 if k.ndim == 2 else k.shape[0] for k in kernels)
        return np.stack([np.broadcast_to(k if k.ndim == 3 else k[None], (slices, *k.shape[-2:])) for k in kernels])
    if kernels.ndim == 2:
        return kernels[None, None]
    return kernels[None] if kernels.ndim == 3 else kernels


def run_pipeline(
    image: np.ndarray,
    kernels: np.ndarray | list[np.ndarray],
    mode: ColourMode,
    conv: ConvSettings,
    pool: PoolSettings,
    biases: float | tuple[float, ...] | None = None,
    relu_on: bool = True,
) -> PipelineResult:
    """image (C_in, H, W) -> feature (maps, H', W') -> ReLU (or not) -> pooled (maps, H'', W'').

    kernels: one kernel or a bank of M; biases: one for all, one per filter, or conv.bias.
    """
    channels = image.shape[0]
    bank = np.stack([as_kernel_stack(k, mode, channels) for k in as_bank(kernels)]).astype(np.float32)
    m = bank.shape[0]
    offsets = np.broadcast_to(np.asarray(conv.bias if biases is None else biases, np.float32), (m,))
    if mode == "per_channel":
        feature = np.concatenate(
            [conv2d(image[c : c + 1], bank[f : f + 1], conv, offsets[f]) for f in range(m) for c in range(channels)]
        )
    else:
        feature = conv2d(image, bank, conv, offsets)
    rectified = relu(feature) if relu_on else feature
    try:
        pooled, pool_error = pool2d(rectified, pool), None
    except ConvScopeError as exc:  # the pooling panel says so; the rest of the page still works
        pooled, pool_error = None, str(exc)
    return PipelineResult(
        image, bank, tuple(float(b) for b in offsets), mode, conv, pool, relu_on, feature, rectified, pooled, pool_error
    )


def multiply_adds(
    image_shape: tuple[int, ...], kernels_shape: tuple[int, ...], mode: ColourMode, conv: ConvSettings
) -> int:
    """How many multiply-adds the layer's convolution takes: output cells × the weights each one reads.

    image_shape (C_in, H, W); kernels_shape (M, C_k, Kh, Kw) or (M, Kh, Kw). 0 when the kernel does not fit.
    """
    channels, height, width = image_shape
    m, kh, kw = kernels_shape[0], kernels_shape[-2], kernels_shape[-1]
    rows, cols = conv_output_shape(height, width, (kh, kw), conv)
    cells = max(rows, 0) * max(cols, 0)
    # Each channel gets every filter alone, or a 3-D kernel reads every channel: the same count.
    return m * cells * kh * kw * (1 if mode == "grayscale" else channels)


def shape_label(array: np.ndarray) -> str:
    """'510×510' for one map, '510×510×3' for several ((C, H, W) -> H×W×C)."""
    c, h, w = array.shape
    return f"{h}×{w}" if c == 1 else f"{h}×{w}×{c}"


@dataclass(frozen=True)
class PanelPictures:
    """The four panels as the page shows them, encoded once per result: JPEG bytes at display size
    (see render.display_grid), on one colour scale, the feature map's robust limit."""

    limit: float
    beyond_scale: float  # share of feature-map values past ±limit, drawn saturated
    input: bytes
    feature: bytes
    relu: bytes
    pooled: bytes | None


def grid_columns(maps: np.ndarray) -> int:
    """Maps a panel's grid puts side by side: up to four."""
    return min(maps.shape[0], 4)


def input_picture(image: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """The input panel's picture: three channels as their colours, one (the first) as gray levels."""
    if image.shape[0] == 3:
        return picture_rgb(image.transpose(1, 2, 0))
    return grayscale(image[0], *value_range)


def value_range(image: np.ndarray) -> tuple[float, float]:
    """The input's gray scale: [0, 1] for pixel values, else its own range (never empty)."""
    lo, hi = float(image.min()), float(image.max())
    if lo == hi:
        return lo - 1, hi + 1
    return (0.0, 1.0) if lo >= 0.0 and hi <= 1.0 else (lo, hi)


def input_jpeg(image: np.ndarray) -> bytes:
    """The input panel at display size as JPEG bytes: the same for every filter and setting."""
    return jpeg_bytes(display_picture(input_picture(image, value_range(image))))


def panel_pictures(result: PipelineResult, shown_input: bytes | None = None) -> PanelPictures:
    """The input, feature map, ReLU and pooled panels at display size, as JPEG bytes
    (shown_input: the input's, when already made by input_jpeg for this image)."""
    limit = robust_limit(result.feature)
    columns = grid_columns(result.feature)

    def encoded(maps: np.ndarray | None) -> bytes | None:
        return None if maps is None else jpeg_bytes(display_grid(maps, limit, columns))

    shown_input = shown_input if shown_input is not None else input_jpeg(result.image)
    feature = encoded(result.feature)
    relu = encoded(result.rectified) if result.relu else feature  # no ReLU: the same picture, sent once
    beyond = float(np.count_nonzero(result.feature > limit) + np.count_nonzero(result.feature < -limit))
    beyond /= max(result.feature.size, 1)  # two comparisons: no |x| copy of every map
    return PanelPictures(limit, beyond, shown_input, feature, relu, encoded(result.pooled))  # type: ignore[arg-type]


def full_picture(maps: np.ndarray, limit: float) -> np.ndarray:
    """A panel's maps at full resolution, as its PNG download holds them."""
    return enlarge(channel_grid(maps, limit, grid_columns(maps), gap=2))
