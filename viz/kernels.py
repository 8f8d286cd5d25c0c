"""The hand-made filter library, each filter with a sentence that explains it.

Weights are (K, K) arrays applied as CNNs apply them: cross-correlation, the
kernel not flipped. Orientation words describe the edge the filter finds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viz.errors import ConvScopeError
from viz.grids import format_text, parse_cells, split_text

MAX_KERNEL_SIZE = 11
# Generous for 121 numbers; longer text (from a pasted link, say) is refused before parsing.
MAX_KERNEL_TEXT = 2_000


@dataclass(frozen=True)
class Kernel:
    """One named filter of the library."""

    key: str
    name: str
    group: str
    weights: np.ndarray  # (K, K) float32
    explanation: str


def _k(rows: list[list[float]], scale: float = 1.0) -> np.ndarray:
    return (np.asarray(rows, dtype=np.float32) * scale).astype(np.float32)


def _binomial_gaussian() -> np.ndarray:
    """The 5×5 binomial kernel (1 4 6 4 1)ᵀ(1 4 6 4 1) / 256: a Gaussian of σ = 1 px in whole numbers."""
    g = np.array([1, 4, 6, 4, 1], dtype=np.float32)
    return (np.outer(g, g) / 256.0).astype(np.float32)


def _line(kind: str) -> np.ndarray:
    """5×5: +1 along a line through the centre, −0.25 elsewhere (so a flat patch gives 0)."""
    k = np.full((5, 5), -0.25, dtype=np.float32)
    idx = np.arange(5)
    if kind == "rising":  # bottom-left to top-right: in a spectrogram (high pitches at the top), a rising pitch
        k[4 - idx, idx] = 1.0
    elif kind == "falling":
        k[idx, idx] = 1.0
    else:  # a horizontal line: a pitch that stays
        k[2, :] = 1.0
    return k


def _curve() -> np.ndarray:
    """Deshpande's curve detector, cell for cell as printed in "A Beginner's Guide To Understanding
    Convolutional Neural Networks" (2016), figure "Pixel representation of filter": 30 along a line
    that rises and bends to the right, 0 elsewhere."""
    k = np.zeros((7, 7), dtype=np.float32)
    for row, col in ((0, 5), (1, 4), (2, 3), (3, 3), (4, 3), (5, 3)):
        k[row, col] = 30.0
    return k


_LIBRARY = (
    Kernel(
        "sobel_vertical",
        "Sobel: vertical edges",
        "Edges",
        _k([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        "Right column minus left column: large where the image gets brighter to the right, so it lights up vertical edges.",
    ),
    Kernel(
        "sobel_horizontal",
        "Sobel: horizontal edges",
        "Edges",
        _k([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
        "Bottom row minus top row: large where the image gets brighter downwards, so it lights up horizontal edges.",
    ),
    Kernel(
        "prewitt_vertical",
        "Prewitt: vertical edges",
        "Edges",
        _k([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
        "Like Sobel without the extra weight on the middle row: right minus left, for vertical edges.",
    ),
    Kernel(
        "prewitt_horizontal",
        "Prewitt: horizontal edges",
        "Edges",
        _k([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
        "Bottom minus top with equal weights, for horizontal edges.",
    ),
    Kernel(
        "scharr_vertical",
        "Scharr: vertical edges",
        "Edges",
        _k([[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]),
        "A Sobel with weights tuned so edges at every angle are measured more evenly.",
    ),
    Kernel(
        "scharr_horizontal",
        "Scharr: horizontal edges",
        "Edges",
        _k([[-3, -10, -3], [0, 0, 0], [3, 10, 3]]),
        "The horizontal-edge Scharr filter: bottom minus top, rotation-accurate weights.",
    ),
    Kernel(
        "laplacian",
        "Laplacian",
        "Edges",
        _k([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
        "Neighbours minus four times the centre: zero on flat areas and smooth ramps, strong on edges and dots in every direction.",
    ),
    Kernel(
        "outline",
        "Outline",
        "Edges",
        _k([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        "Eight times the centre minus its eight neighbours: flat areas go to zero and outlines remain.",
    ),
    Kernel(
        "curve",
        "Curve detector (7×7)",
        "Shapes",
        _curve(),
        "Deshpande's curve detector as published: 30 along a line that curves up and to the right, 0 elsewhere. "
        "The response is large only where the image has a bright stroke of that shape.",
    ),
    Kernel(
        "curve_zero_mean",
        "Curve detector, zero-mean (7×7)",
        "Shapes",
        _curve() - _curve().mean(),
        "The curve detector with its average taken away: flat areas give 0 instead of a bright blur, so on a "
        "photo it lights up only where a bright curve of that shape is.",
    ),
    Kernel(
        "xo_diagonal_down",
        "X/O: diagonal ↘",
        "X or O?",
        _k([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]),
        "The lesson's first feature: +1 on the top-left to bottom-right diagonal, −1 elsewhere; it matches the ↘ stroke of an X.",
    ),
    Kernel(
        "xo_diagonal_up",
        "X/O: diagonal ↗",
        "X or O?",
        _k([[-1, -1, 1], [-1, 1, -1], [1, -1, -1]]),
        "The lesson's second feature: the other diagonal, matching the ↗ stroke of an X.",
    ),
    Kernel(
        "xo_cross",
        "X/O: crossing",
        "X or O?",
        _k([[1, -1, 1], [-1, 1, -1], [1, -1, 1]]),
        "The lesson's third feature: both diagonals at once, matching the centre where an X's strokes cross.",
    ),
    Kernel(
        "box_blur",
        "Box blur",
        "Blur and sharpen",
        _k([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 1 / 9),
        "The average of the 3×3 neighbourhood: every output is the mean of nine pixels, which smooths detail away.",
    ),
    Kernel(
        "gaussian_blur",
        "Gaussian blur (5×5)",
        "Blur and sharpen",
        _binomial_gaussian(),
        "A weighted average that counts near pixels more than far ones (1-4-6-4-1 over 256, close to a Gaussian of σ = 1 px): a softer blur.",
    ),
    Kernel(
        "sharpen",
        "Sharpen",
        "Blur and sharpen",
        _k([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        "The pixel plus its difference from its neighbours: edges get stronger, flat areas stay the same.",
    ),
    Kernel(
        "emboss",
        "Emboss",
        "Blur and sharpen",
        _k([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
        "Bottom-right minus top-left plus the pixel itself: edges look raised, lit from one side.",
    ),
    Kernel(
        "sound_rising",
        "Rising pitch (5×5 diagonal ↗)",
        "Sound",
        _line("rising"),
        "In a spectrogram time runs to the right and pitch goes up, so a rising pitch is a line from bottom left to "
        "top right: this filter is +1 along that diagonal and −0.25 elsewhere, large where such a line passes.",
    ),
    Kernel(
        "sound_falling",
        "Falling pitch (5×5 diagonal ↘)",
        "Sound",
        _line("falling"),
        "+1 along the diagonal from top left to bottom right, −0.25 elsewhere: large where the pitch falls.",
    ),
    Kernel(
        "sound_steady",
        "Steady tone (5×5 horizontal line)",
        "Sound",
        _line("steady"),
        "+1 along the middle row, −0.25 elsewhere: large on a horizontal line, a pitch that holds (a tone, a chord's notes).",
    ),
    Kernel(
        "sound_onset",
        "Onset (5×5 vertical edge)",
        "Sound",
        _k([[0, 0, -1, 1, 0]] * 5),
        "Each band's next moment minus this one, summed over five bands: large where sound starts at many "
        "frequencies at once (a click, a drum hit, the start of a note), negative where it stops. Like the pitch "
        "filters it scores at most 5, for a sharp edge from 0 to 1.",
    ),
    Kernel(
        "identity",
        "Identity",
        "Blur and sharpen",
        _k([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
        "A single 1 in the centre: the output equals the input (shrunk by the border), a good start for your own filter.",
    ),
)

KERNELS: dict[str, Kernel] = {k.key: k for k in _LIBRARY}
DEFAULT_KERNEL = "sobel_vertical"


@dataclass(frozen=True)
class LayerPreset:
    """Several library filters that a lesson shows together, as one conv layer."""

    key: str
    name: str
    group: str
    kernels: tuple[str, ...]
    explanation: str


LAYERS: dict[str, LayerPreset] = {
    p.key: p
    for p in (
        LayerPreset(
            "xo_lesson",
            "X/O lesson: all three features (a layer of 3)",
            "X or O?",
            ("xo_diagonal_down", "xo_cross", "xo_diagonal_up"),
            "The lesson's three features side by side, as one convolution layer: the ↘ diagonal, the crossing "
            "and the ↗ diagonal. Each gives its own map; an X lights up all three, an O hardly any.",
        ),
        LayerPreset(
            "sound_layer",
            "Sound: rising, falling, steady and onset (a layer of 4)",
            "Sound",
            ("sound_rising", "sound_falling", "sound_steady", "sound_onset"),
            "The four sound filters as one layer: one map each for rising pitch, falling pitch, steady tones and onsets.",
        ),
        LayerPreset(
            "sobel_pair",
            "Sobel: vertical and horizontal edges (a layer of 2)",
            "Edges",
            ("sobel_vertical", "sobel_horizontal"),
            "Two edge detectors as one layer: one map for vertical edges, one for horizontal ones.",
        ),
    )
}
PRESETS = [*KERNELS, *LAYERS]  # what the preset menu offers


def preset_kernels(key: str) -> list[np.ndarray]:
    """The (K, K) kernels a preset loads: one for a library filter, several for a layer preset."""
    if key in LAYERS:
        return [KERNELS[k].weights for k in LAYERS[key].kernels]
    return [KERNELS[key].weights]


def preset_label(key: str) -> str:
    preset = LAYERS.get(key) or KERNELS[key]
    return f"{preset.group} · {preset.name}"


def preset_explanation(key: str) -> str:
    return (LAYERS.get(key) or KERNELS[key]).explanation


def parse_kernel_cells(cells: list[list[object]]) -> np.ndarray:
    """A grid of numbers typed by the user -> (Kh, Kw) float32, each side 1 to MAX_KERNEL_SIZE."""
    return parse_cells(cells, "Kernel", MAX_KERNEL_SIZE)


def parse_kernel_text(text: str) -> np.ndarray:
    """Rows of numbers, one row per line, separated by spaces or commas -> (Kh, Kw) float32.

    Fractions such as 1/9 and the typographic minus (−) are accepted.
    """
    if len(text) > MAX_KERNEL_TEXT:
        raise ConvScopeError(
            f"The kernel text is {len(text):,} characters long; an {MAX_KERNEL_SIZE}×{MAX_KERNEL_SIZE} kernel "
            f"needs far fewer. Type at most {MAX_KERNEL_TEXT:,} characters."
        )
    return parse_kernel_cells(split_text(text))


def format_kernel_text(kernel: np.ndarray) -> str:
    """(Kh, Kw) -> aligned text rows that parse_kernel_text reads back exactly (to float32)."""
    return format_text(kernel)


def resize_kernel(kernel: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop or zero-pad a (K, K) kernel to (size, size)."""
    k = kernel.shape[0]
    out = np.zeros((size, size), dtype=np.float32)
    src0, dst0 = max(0, (k - size) // 2), max(0, (size - k) // 2)
    n = min(k, size)
    out[dst0 : dst0 + n, dst0 : dst0 + n] = kernel[src0 : src0 + n, src0 : src0 + n]
    return out
