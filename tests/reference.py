"""Slow, obvious implementations to check the fast ones against (tests only)."""

from __future__ import annotations

import numpy as np


def conv2d_loops(image: np.ndarray, weights: np.ndarray, stride: int, padding: int, bias: float = 0.0) -> np.ndarray:
    """Cross-correlation by nested loops; image (C, H, W), weights (M, C, K, K) -> (M, H', W')."""
    c, h, w = image.shape
    m, _, k, _ = weights.shape
    padded = np.zeros((c, h + 2 * padding, w + 2 * padding), dtype=np.float64)
    padded[:, padding : padding + h, padding : padding + w] = image
    out_h = (h - k + 2 * padding) // stride + 1
    out_w = (w - k + 2 * padding) // stride + 1
    out = np.zeros((m, out_h, out_w), dtype=np.float64)
    for f in range(m):
        for i in range(out_h):
            for j in range(out_w):
                total = 0.0
                for ch in range(c):
                    for di in range(k):
                        for dj in range(k):
                            total += padded[ch, i * stride + di, j * stride + dj] * weights[f, ch, di, dj]
                out[f, i, j] = total + bias
    return out


def pool2d_loops(maps: np.ndarray, window: int, stride: int, kind: str) -> np.ndarray:
    """Max or average pooling by loops; (C, H, W) -> (C, H', W')."""
    c, h, w = maps.shape
    out_h, out_w = (h - window) // stride + 1, (w - window) // stride + 1
    out = np.zeros((c, out_h, out_w))
    for ch in range(c):
        for i in range(out_h):
            for j in range(out_w):
                patch = maps[ch, i * stride : i * stride + window, j * stride : j * stride + window]
                out[ch, i, j] = patch.max() if kind == "max" else patch.mean()
    return out


def relu_loops(maps: np.ndarray) -> np.ndarray:
    out = maps.astype(np.float64).copy()
    for idx in np.ndindex(out.shape):
        if out[idx] < 0:
            out[idx] = 0.0
    return out
