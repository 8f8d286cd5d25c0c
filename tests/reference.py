"""Slow, obvious implementations to check the fast ones against (tests only).

Written from the definitions, sharing no code with viz/: every output cell is a loop over
the cells its window covers.
"""

from __future__ import annotations

import math

import numpy as np


def conv2d_loops(
    image: np.ndarray,
    weights: np.ndarray,
    stride=1,
    padding=0,
    bias=0.0,
    dilation=1,
) -> np.ndarray:
    """Cross-correlation; image (C, H, W), weights (M, C, Kh, Kw) -> (M, H', W').

    stride, dilation: a number or (rows, columns); padding: a number or (top, left, bottom, right);
    bias: a number or one per filter.
    """
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    dh, dw = (dilation, dilation) if np.isscalar(dilation) else dilation
    top, left, bottom, right = (padding,) * 4 if np.isscalar(padding) else padding
    c, h, w = image.shape
    m, _, kh, kw = weights.shape
    biases = np.broadcast_to(np.asarray(bias, dtype=np.float64), (m,))

    def value(ch: int, r: int, col: int) -> float:  # r, col on the padded grid
        r, col = r - top, col - left
        return float(image[ch, r, col]) if 0 <= r < h and 0 <= col < w else 0.0

    out_h = (h + top + bottom - (dh * (kh - 1) + 1)) // sh + 1
    out_w = (w + left + right - (dw * (kw - 1) + 1)) // sw + 1
    out = np.zeros((m, out_h, out_w), dtype=np.float64)
    for f in range(m):
        for i in range(out_h):
            for j in range(out_w):
                total = 0.0
                for ch in range(c):
                    for di in range(kh):
                        for dj in range(kw):
                            total += value(ch, i * sh + di * dh, j * sw + dj * dw) * weights[f, ch, di, dj]
                out[f, i, j] = total + biases[f]
    return out


def pool2d_loops(
    maps: np.ndarray, window, stride, kind: str, padding=0, ceil: bool = False, count_pad: bool = False
) -> np.ndarray:
    """Max or average pooling; (C, H, W) -> (C, H', W').

    Padding cells never win a max and count for an average only with count_pad; with ceil, a last
    window that starts inside the map or its leading padding is kept, covering the cells that exist.
    """
    kh, kw = (window, window) if np.isscalar(window) else window
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    top, left, bottom, right = (padding,) * 4 if np.isscalar(padding) else padding
    c, h, w = maps.shape

    def count(n: int, k: int, s: int, before: int, after: int) -> int:
        room = (n + before + after - k) / s
        out = (math.ceil(room) if ceil else math.floor(room)) + 1
        if ceil and (out - 1) * s >= n + before:
            out -= 1
        return out

    out_h, out_w = count(h, kh, sh, top, bottom), count(w, kw, sw, left, right)
    out = np.zeros((c, out_h, out_w))
    for ch in range(c):
        for i in range(out_h):
            for j in range(out_w):
                values, cells = [], 0
                for r in range(i * sh - top, i * sh - top + kh):
                    for col in range(j * sw - left, j * sw - left + kw):
                        if 0 <= r < h and 0 <= col < w:
                            values.append(float(maps[ch, r, col]))
                            cells += 1
                        elif -top <= r < h + bottom and -left <= col < w + right:  # a padding cell
                            if kind == "average" and count_pad:
                                values.append(0.0)
                                cells += 1
                out[ch, i, j] = max(v for v in values) if kind == "max" else sum(values) / cells
    return out


def relu_loops(maps: np.ndarray) -> np.ndarray:
    out = maps.astype(np.float64).copy()
    for idx in np.ndindex(out.shape):
        if out[idx] < 0:
            out[idx] = 0.0
    return out
