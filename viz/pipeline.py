"""The playground's computation: one filter, then ReLU, then pooling, on one image.

The three colour modes are the three ways a CNN's first layer can meet a
colour photo: on its luminance, on each channel separately, or with a 3-D
kernel that spans all channels and gives one map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from viz.errors import ConvScopeError
from viz.ops import ConvSettings, PoolSettings, conv2d, pool2d, relu, zeroed_share
from viz.render import channel_grid, robust_limit

ColourMode = Literal["grayscale", "per_channel", "3d"]
CHANNEL_NAMES = {"grayscale": ("gray",), "per_channel": ("R", "G", "B"), "3d": ("R, G and B together",)}


@dataclass(frozen=True)
class PipelineResult:
    """Every stage of convolution -> ReLU -> pooling, as (C, H, W) arrays."""

    image: np.ndarray  # (C_in, H, W): the input as the network sees it
    kernel: np.ndarray  # (C_k, K, K): C_k = 1, or 3 for a 3-D kernel
    mode: ColourMode
    conv: ConvSettings
    pool: PoolSettings
    feature: np.ndarray  # (M, H', W')
    rectified: np.ndarray  # (M, H', W')
    pooled: np.ndarray  # (M, H'', W'')

    @property
    def map_names(self) -> tuple[str, ...]:
        return CHANNEL_NAMES[self.mode]

    def input_channels_of(self, map_index: int) -> list[int]:
        """Which input channels map `map_index` reads: one, or all three for a 3-D kernel."""
        if self.mode == "per_channel":
            return [map_index]
        return list(range(self.image.shape[0]))

    @property
    def relu_zeroed(self) -> float:
        """Share of feature-map values that ReLU set to zero."""
        return zeroed_share(self.feature, self.rectified)


def as_kernel_stack(kernel: np.ndarray, mode: ColourMode) -> np.ndarray:
    """A (K, K) or (3, K, K) kernel as the (C_k, K, K) stack the mode needs.

    In 3-D mode a 2-D kernel is repeated on each channel, divided by 3 so a
    grey image gives the same response as in grayscale mode.
    """
    if kernel.ndim == 2:
        kernel = kernel[None]
    if mode == "3d":
        if kernel.shape[0] == 1:
            return np.repeat(kernel, 3, axis=0) / 3.0
        return kernel
    if kernel.shape[0] != 1:
        raise ConvScopeError("A 3-D kernel (one slice per colour) only works in the '3-D kernel' colour mode.")
    return kernel


def run_pipeline(
    image: np.ndarray, kernel: np.ndarray, mode: ColourMode, conv: ConvSettings, pool: PoolSettings
) -> PipelineResult:
    """image (C_in, H, W) -> feature (M, H', W') -> ReLU -> pooled (M, H'', W'')."""
    stack = as_kernel_stack(kernel, mode)
    if mode == "per_channel":
        feature = np.concatenate([conv2d(image[i : i + 1], stack[None], conv) for i in range(image.shape[0])])
    else:
        feature = conv2d(image, stack[None], conv)
    rectified = relu(feature)
    pooled = pool2d(rectified, pool)
    return PipelineResult(image, stack, mode, conv, pool, feature, rectified, pooled)


def shape_label(array: np.ndarray) -> str:
    """'510×510' for one map, '510×510×3' for several ((C, H, W) -> H×W×C)."""
    c, h, w = array.shape
    return f"{h}×{w}" if c == 1 else f"{h}×{w}×{c}"


def panel_pictures(result: PipelineResult) -> dict[str, np.ndarray]:
    """The feature map, ReLU and pooled panels as pictures, on one colour scale (the feature map's)."""
    limit = robust_limit(result.feature)
    columns = result.feature.shape[0]
    return {
        name: channel_grid(maps, limit, columns, gap=2)
        for name, maps in (("feature", result.feature), ("relu", result.rectified), ("pooled", result.pooled))
    }
