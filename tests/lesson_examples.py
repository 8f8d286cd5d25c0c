"""Published worked examples, as links into the playground and the numbers their sources print.

The README's "Reproduce a textbook example" lists these links; tests open each one (in AppTest's
computation and in a real browser, through the CSV downloads) and compare with the published numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np


@dataclass(frozen=True)
class Example:
    title: str
    source: str
    query: dict[str, str | list[str]]
    feature: np.ndarray | None  # (maps, H, W) as published, or None when the source prints only the pooled maps
    pooled: np.ndarray | None
    decimals: int | None = None  # the source rounds to this many decimals (None: exact)
    ninths: bool = False  # the source prints ninths cut to 2 decimals (7/9 as 0.77): compare ×9, rounded

    @property
    def link(self) -> str:
        return "?" + urlencode(self.query, doseq=True, safe=",;|")


def _grid(rows: list[list[float]]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float64)


ROHRER_MAP_1 = [
    [0.77, -0.11, 0.11, 0.33, 0.55, -0.11, 0.33],
    [-0.11, 1.00, -0.11, 0.33, -0.11, 0.11, -0.11],
    [0.11, -0.11, 1.00, -0.33, 0.11, -0.11, 0.55],
    [0.33, 0.33, -0.33, 0.55, -0.33, 0.33, 0.33],
    [0.55, -0.11, 0.11, -0.33, 1.00, -0.11, 0.11],
    [-0.11, 0.11, -0.11, 0.33, -0.11, 1.00, -0.11],
    [0.33, -0.11, 0.55, 0.33, 0.11, -0.11, 0.77],
]
ROHRER_POOLED_1 = [
    [1.00, 0.33, 0.55, 0.33],
    [0.33, 1.00, 0.33, 0.55],
    [0.55, 0.33, 1.00, 0.11],
    [0.33, 0.55, 0.11, 0.77],
]

DESHPANDE_SOURCE = 'Adit Deshpande, "A Beginner\'s Guide To Understanding Convolutional Neural Networks" (2016)'
DESHPANDE_CURVE_FIELD = "0,0,0,0,0,0,30;0,0,0,0,50,50,50;0,0,0,20,50,0,0" + ";0,0,0,50,50,0,0" * 4
DESHPANDE_EAR_FIELD = (
    "0,0,0,0,0,0,0;0,40,0,0,0,0,0;40,0,40,0,0,0,0;40,20,0,0,0,0,0;0,50,0,0,0,0,0;0,0,50,0,0,0,0;25,25,0,50,0,0,0"
)

EXAMPLES = (
    Example(
        "Rohrer's X: the three X/O features, normalized, then 2×2 max pooling that keeps partial windows (7×7 → 4×4)",
        'Brandon Rohrer, "How convolutional neural networks work": the first feature\'s map and its pooled map',
        {"sample": "x_lesson", "filter": "xo_lesson", "normalized": "1", "ceil": "1"},
        _grid([ROHRER_MAP_1]),
        _grid([ROHRER_POOLED_1]),
        ninths=True,
    ),
    Example(
        "The 6×6 vertical-edge slide: 3 0 1 2 7 4 … with the 3×3 vertical edge detector (no ReLU, no pooling)",
        'Andrew Ng, Deep Learning Specialization, course 4, "Edge detection example"',
        {
            "x": "3,0,1,2,7,4;1,5,8,9,3,1;2,7,2,5,1,3;0,1,3,1,7,8;4,2,1,6,2,8;2,4,5,2,3,9",
            "k": "1,0,-1;1,0,-1;1,0,-1",
            "relu": "0",
            "pool": "none",
        },
        _grid([[[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]]),
        None,
    ),
    Example(
        "Cross-correlation of 0…8 with the 2×2 kernel 0 1 / 2 3",
        'Dive into Deep Learning, 7.2.1 "The Cross-Correlation Operation"',
        {"x": "0,1,2;3,4,5;6,7,8", "k": "0,1;2,3", "relu": "0", "pool": "none"},
        _grid([[[19, 25], [37, 43]]]),
        None,
    ),
    Example(
        "3×3 max pooling with padding 1 and stride 2 on 0…15",
        'Dive into Deep Learning, 7.5.2 "Padding and Stride" (pooling)',
        {"x": "0,1,2,3;4,5,6,7;8,9,10,11;12,13,14,15", "k": "1", "relu": "0", "window": "3", "pool_pad": "1"},
        None,
        _grid([[[5, 7], [13, 15]]]),
    ),
    Example(
        "Convolution with stride 2 and one zero on every side: 0…34 (7×5) and a 3×3 kernel of ones",
        "ONNX operator Conv, test case conv_with_strides_padding",
        {
            "x": "0,1,2,3,4;5,6,7,8,9;10,11,12,13,14;15,16,17,18,19;20,21,22,23,24;25,26,27,28,29;30,31,32,33,34",
            "k": "1,1,1;1,1,1;1,1,1",
            "stride": "2",
            "padding": "explicit",
            "pad": "1",
            "pool": "none",
        },
        _grid([[[12, 27, 24], [63, 108, 81], [123, 198, 141], [112, 177, 124]]]),
        None,
    ),
    Example(
        "3×3 max pooling at stride 2 in ceil mode on 1…16",
        "ONNX operator MaxPool, test case maxpool_2d_ceil",
        {"x": "1,2,3,4;5,6,7,8;9,10,11,12;13,14,15,16", "k": "1", "window": "3", "ceil": "1"},
        None,
        _grid([[[11, 12], [15, 16]]]),
    ),
    Example(
        "The curve detector on the receptive field that holds a curve: 6600",
        DESHPANDE_SOURCE + ': "Multiplication and Summation = … = 6600 (A large number!)"',
        {"x": DESHPANDE_CURVE_FIELD, "filter": "curve", "relu": "0", "pool": "none"},
        _grid([[[6600]]]),
        None,
    ),
    Example(
        "The curve detector on the mouse's ear: 0",
        DESHPANDE_SOURCE + ': "Multiplication and Summation = 0"',
        {"x": DESHPANDE_EAR_FIELD, "filter": "curve", "relu": "0", "pool": "none"},
        _grid([[[0]]]),
        None,
    ),
)


def matches(computed: np.ndarray, published: np.ndarray, example: Example) -> bool:
    """Computed maps (the first maps, as many as published) against the published numbers."""
    computed = np.asarray(computed, dtype=np.float64)[: published.shape[0]]
    if computed.shape != published.shape:
        return False
    if example.ninths:
        return bool(np.array_equal(np.round(computed * 9, 4), np.round(published * 9)))
    if example.decimals is not None:
        return bool(np.allclose(np.round(computed, example.decimals), published))
    return bool(np.array_equal(computed, published))
