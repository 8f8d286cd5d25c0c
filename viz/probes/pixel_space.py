"""The picture a network reads, in 0–255 pixel steps, and the network's own input numbers.

Probes that change the picture (adversarial noise, occlusion, a shift) work on pixels in [0, 1]
so a budget can be said in the steps of an 8-bit image; the network is fed
``(pixels - offset) / scale`` per channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from viz.preprocess import CIFAR10_MEAN, CIFAR10_STD


@dataclass(frozen=True)
class PixelSpace:
    """How pixels in [0, 1] become the network's input, per channel: x = (pixels - offset) / scale."""

    offset: tuple[float, ...]
    scale: tuple[float, ...]
    words: str  # how the input is made from pixels, for the page

    def _shape(self, channels: int) -> tuple[np.ndarray, np.ndarray]:
        offset = np.resize(np.asarray(self.offset, np.float32), channels)[:, None, None]
        scale = np.resize(np.asarray(self.scale, np.float32), channels)[:, None, None]
        return offset, scale

    def to_input(self, pixels: np.ndarray) -> np.ndarray:
        """(C, H, W) pixels in [0, 1] -> the network's input."""
        offset, scale = self._shape(pixels.shape[0])
        return ((pixels - offset) / scale).astype(np.float32)

    def to_pixels(self, x: np.ndarray) -> np.ndarray:
        """The network's input -> (C, H, W) pixels, clipped to [0, 1]."""
        offset, scale = self._shape(x.shape[0])
        return np.clip(x * scale + offset, 0.0, 1.0).astype(np.float32)

    def tensor_to_input(self, pixels: torch.Tensor) -> torch.Tensor:
        """As to_input, differentiably, on (N, C, H, W) tensors."""
        offset, scale = (torch.from_numpy(a) for a in self._shape(pixels.shape[1]))
        return (pixels - offset) / scale

    def grey(self, channels: int) -> np.ndarray:
        """The input value of mid-grey pixels (0.5), one per channel."""
        return self.to_input(np.full((channels, 1, 1), 0.5, np.float32))[:, 0, 0]


PHOTO = PixelSpace(
    tuple(map(float, CIFAR10_MEAN)),
    tuple(map(float, CIFAR10_STD)),
    "each channel normalized with CIFAR-10's mean and standard deviation",
)
GRID = PixelSpace((0.5,), (0.5,), "a cell is −1 (background) to +1 (ink)")
INK = PixelSpace((0.0,), (1.0,), "0 (background) to 1 (ink), as MNIST")
SPECTRUM = PixelSpace((0.0,), (1.0,), "0 (80 dB below the loudest) to 1 (the loudest), as sound-net's spectrograms")


def pixel_space(input_kind: str) -> PixelSpace:
    """The pixel space of a network by the kind of input it reads ("photo", "glyph", "digit", "drawing")."""
    # The lesson's grids and the networks trained on the user's own drawings read ±1 cells.
    return {"photo": PHOTO, "digit": INK, "sound": SPECTRUM}.get(input_kind, GRID)


def space_of(spec) -> PixelSpace:
    """A network's pixel space: its own (networks opened from ONNX files say theirs), else by its kind."""
    return spec.pixels or pixel_space(spec.input_kind)
