"""How an arbitrary image becomes a network's input.

Each function takes an (H, W, 3) float32 RGB image in [0, 1] (as
``viz.images`` decodes it) and returns the (C, h, w) float32 array the network
is fed. The user's photo is not what the network sees: these are shown in the
page as well as used.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

CIFAR10_MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
CIFAR10_STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32)
XO_SIZE = 16


def luminance(rgb: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma, as Pillow's "L" mode; (H, W, 3) -> (H, W)."""
    return (rgb[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).astype(np.float32)


def _resize(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-style resize of a float image in [0, 1]; (H, W[, C]) -> (h, w[, C]); size is (w, h)."""
    img = Image.fromarray(np.clip(array * 255.0 + 0.5, 0, 255).astype(np.uint8))
    return (
        np.asarray(
            img.resize(size, Image.Resampling.BOX if _shrinks(array, size) else Image.Resampling.BILINEAR),
            dtype=np.float32,
        )
        / 255.0
    )


def _shrinks(array: np.ndarray, size: tuple[int, int]) -> bool:
    return array.shape[1] >= size[0] and array.shape[0] >= size[1]


def center_crop_square(rgb: np.ndarray) -> np.ndarray:
    """The largest centred square; (H, W, C) -> (S, S, C) with S = min(H, W)."""
    h, w = rgb.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    return rgb[top : top + s, left : left + s]


def photo_to_cifar(rgb: np.ndarray) -> np.ndarray:
    """Centre-crop to a square, shrink to 32×32, normalize per channel; -> (3, 32, 32)."""
    small = _resize(center_crop_square(rgb), (32, 32))
    return ((small - CIFAR10_MEAN) / CIFAR10_STD).transpose(2, 0, 1).astype(np.float32)


def cifar_to_display(x: np.ndarray) -> np.ndarray:
    """Undo the normalization for display; (3, 32, 32) -> (32, 32, 3) in [0, 1]."""
    return np.clip(x.transpose(1, 2, 0) * CIFAR10_STD + CIFAR10_MEAN, 0.0, 1.0)


def ink_map(rgb: np.ndarray) -> np.ndarray:
    """Ink strength in [0, 1] whatever the polarity; (H, W, 3) -> (H, W).

    Dark ink on light paper and light ink on a dark screen both give ink = 1:
    the background is taken to be the brighter or darker half by the median.
    """
    gray = luminance(rgb)
    lo, hi = float(gray.min()), float(gray.max())
    if hi - lo < 1e-6:
        return np.zeros_like(gray)
    norm = (gray - lo) / (hi - lo)
    return 1.0 - norm if np.median(norm) > 0.5 else norm


def digit_to_mnist(rgb: np.ndarray) -> np.ndarray:
    """MNIST-style preprocessing; (H, W, 3) -> (1, 32, 32) in [0, 1], white ink on black.

    As the MNIST authors did: crop to the ink, scale the longer side to 20 px
    keeping the aspect ratio, place in 28×28 so the centre of mass is at the
    centre, then pad by 2 to LeNet-5's 32×32.
    """
    ink = ink_map(rgb)
    ink = np.where(ink > 0.2, ink, 0.0)  # paper texture and JPEG noise are not ink
    out = np.zeros((32, 32), dtype=np.float32)
    rows, cols = np.nonzero(ink)
    if rows.size == 0:
        return out[None]
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    digit = _resize(crop, (nw, nh))
    digit = digit / max(float(digit.max()), 1e-6)
    canvas = np.zeros((28, 28), dtype=np.float32)
    top, left = (28 - nh) // 2, (28 - nw) // 2
    canvas[top : top + nh, left : left + nw] = digit
    cy, cx = ndimage.center_of_mass(canvas)
    canvas = ndimage.shift(canvas, (13.5 - cy, 13.5 - cx), order=1, mode="constant")
    out[2:30, 2:30] = np.clip(canvas, 0.0, 1.0)
    return out[None]


def mnist_array_to_input(digits: np.ndarray) -> np.ndarray:
    """MNIST's own 28×28 uint8 digits, padded by 2; (N, 28, 28) -> (N, 1, 32, 32) in [0, 1]."""
    x = np.pad(digits.astype(np.float32) / 255.0, ((0, 0), (2, 2), (2, 2)))
    return x[:, None]


def drawing_to_xo(rgb: np.ndarray) -> np.ndarray:
    """A drawn or photographed X/O as the lesson's ±1 grid; (H, W, 3) -> (1, 16, 16).

    Crop to the ink with a margin, fit into the grid, and call a cell ink (+1)
    when at least a quarter of it is inked.
    """
    ink = ink_map(rgb)
    rows, cols = np.nonzero(ink > 0.3)
    grid = np.full((XO_SIZE, XO_SIZE), -1.0, dtype=np.float32)
    if rows.size == 0:
        return grid[None]
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    side = max(bottom - top, right - left)
    # The training glyphs fill about 80% of the grid; keep the same margin.
    side_with_margin = int(np.ceil(side / 0.8))
    square = np.zeros((side_with_margin, side_with_margin), dtype=np.float32)
    oy = (side_with_margin - (bottom - top)) // 2
    ox = (side_with_margin - (right - left)) // 2
    square[oy : oy + bottom - top, ox : ox + right - left] = ink[top:bottom, left:right]
    small = _resize(square, (XO_SIZE, XO_SIZE))
    grid[small >= 0.25 * max(float(small.max()), 1e-6)] = 1.0
    return grid[None]
