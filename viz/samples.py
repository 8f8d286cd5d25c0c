"""Built-in sample images that work offline.

Real photos bundled with scikit-image, and generated pictures: the lesson's
±1 Xs and Os, a checkerboard, a circle and step edges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from skimage import data as skdata

from viz.digits import draw_digit
from viz.glyphs import GlyphStyle, draw_glyph
from viz.images import Picture, gray_picture, resize_to_fit


@dataclass(frozen=True)
class Sample:
    key: str
    label: str
    make: Callable[[], Picture]
    about: str


def _photo(name: str, credit: str) -> Callable[[], Picture]:
    def make() -> Picture:
        arr = getattr(skdata, name)()
        rgb = np.repeat(arr[..., None], 3, axis=2) if arr.ndim == 2 else arr[..., :3]
        return Picture(rgb.astype(np.float32) / 255.0, f"scikit-image sample '{name}' ({credit})", (), arr.ndim == 2)

    return make


def _glyph(label: str, size: int, hand_drawn: bool) -> Callable[[], Picture]:
    def make() -> Picture:
        if hand_drawn:
            # A fixed, gentle hand: tilted, a thicker pen and a slight wobble, like the training data.
            style = GlyphStyle(scale=0.85, rotation_deg=-12, stroke=2.0, wobble=0.5)
            grid = draw_glyph(label, size, style, np.random.default_rng(3))
        else:
            grid = draw_glyph(label, size, GlyphStyle())
        return gray_picture(grid, f"generated {label} glyph, {size}×{size}, pixels −1 (background) and +1 (ink)")

    return make


def checkerboard(size: int = 128, squares: int = 8) -> np.ndarray:
    """(size, size) of 0 and 1 squares."""
    idx = np.arange(size) * squares // size
    return ((idx[:, None] + idx[None, :]) % 2).astype(np.float32)


def circle(size: int = 128, radius: float = 0.35) -> np.ndarray:
    """(size, size): a white disc (1) on black (0)."""
    r = (np.arange(size) + 0.5) / size - 0.5
    return (np.hypot(r[:, None], r[None, :]) <= radius).astype(np.float32)


def rings(size: int = 96, radius: float = 5.0, count: int = 3) -> np.ndarray:
    """(size, size): count × count thin bright circle outlines (1 px) on black, each of `radius` px,
    the curvature of the 7×7 curve detector's arc."""
    y, x = np.mgrid[0:size, 0:size] + 0.5
    step = size / count
    centres = (np.arange(count) + 0.5) * step
    dist = np.min([np.abs(np.hypot(y - cy, x - cx) - radius) for cy in centres for cx in centres], axis=0)
    return np.clip(1.0 - dist, 0.0, 1.0).astype(np.float32)


def _small_photo(name: str, size: int = 32) -> Callable[[], Picture]:
    """A photo at CIFAR-10's 32×32: a centre square, shrunk (the 32×32×3 → 28×28 lesson's input)."""

    def make() -> Picture:
        full = _photo(name, "Stéfan van der Walt")()
        h, w = full.pixels.shape[:2]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        square = Picture(full.pixels[top : top + side, left : left + side], full.source)
        small = resize_to_fit(square, size)
        return Picture(small.pixels, f"{full.source}, centre square shrunk to {size}×{size}")

    return make


def step_edge(size: int = 128, vertical: bool = True) -> np.ndarray:
    """(size, size): dark (0) left/top half, bright (1) right/bottom half."""
    ramp = (np.arange(size) >= size // 2).astype(np.float32)
    return np.tile(ramp, (size, 1)) if vertical else np.tile(ramp[:, None], (1, size))


SAMPLES: dict[str, Sample] = {
    s.key: s
    for s in (
        Sample(
            "astronaut",
            "Astronaut (photo)",
            _photo("astronaut", "NASA, public domain"),
            "Eileen Collins, NASA portrait.",
        ),
        Sample("chelsea", "Chelsea the cat (photo)", _photo("chelsea", "Stéfan van der Walt"), "A tabby cat."),
        Sample("coffee", "Coffee (photo)", _photo("coffee", "Rachel Michetti"), "A cup of coffee on a saucer."),
        Sample(
            "camera",
            "Cameraman (grayscale photo)",
            _photo("camera", "scikit-image, CC0"),
            "A classic grayscale test photo.",
        ),
        Sample("rocket", "Rocket (photo)", _photo("rocket", "SpaceX, CC0"), "A rocket on the launch pad."),
        Sample(
            "x_lesson", "X, 9×9 lesson grid (±1)", _glyph("X", 9, False), "The lesson's X: +1 ink on −1 background."
        ),
        Sample(
            "o_lesson", "O, 9×9 lesson grid (±1)", _glyph("O", 9, False), "The lesson's O: +1 ink on −1 background."
        ),
        Sample(
            "x_drawn", "X, hand-drawn style 16×16 (±1)", _glyph("X", 16, True), "A shaky X as xo-net was trained on."
        ),
        Sample(
            "o_drawn", "O, hand-drawn style 16×16 (±1)", _glyph("O", 16, True), "A shaky O as xo-net was trained on."
        ),
        Sample(
            "checkerboard",
            "Checkerboard",
            lambda: gray_picture(checkerboard(), "generated checkerboard, 0 and 1"),
            "Black and white squares.",
        ),
        Sample("circle", "Circle", lambda: gray_picture(circle(), "generated disc, 0 and 1"), "A white disc on black."),
        Sample(
            "rings",
            "Thin rings (curve outlines)",
            lambda: gray_picture(rings(), "generated thin rings of radius 5, 0 and 1"),
            "Thin bright circle outlines on black: curves for the curve detector to find.",
        ),
        Sample(
            "chelsea_32",
            "Chelsea the cat, 32×32 colour",
            _small_photo("chelsea"),
            "A 32×32×3 photo, the size of a CIFAR-10 image: a 5×5×3 filter gives a 28×28 map.",
        ),
        Sample(
            "edge_vertical",
            "Vertical step edge",
            lambda: gray_picture(step_edge(vertical=True), "generated vertical edge, 0 | 1"),
            "Dark left half, bright right half.",
        ),
        Sample(
            "edge_horizontal",
            "Horizontal step edge",
            lambda: gray_picture(step_edge(vertical=False), "generated horizontal edge, 0 / 1"),
            "Dark top half, bright bottom half.",
        ),
    )
}
SAMPLES.update(
    {
        f"digit_{d}": Sample(
            f"digit_{d}",
            f"Digit {d}, pen-drawn (generated)",
            lambda d=d: Picture(draw_digit(d, dark_on_light=True), f"generated pen-drawn {d}", (), True),
            f"A {d} drawn stroke by stroke, dark ink on white.",
        )
        for d in range(10)
    }
)
DEFAULT_SAMPLE = "chelsea"
PHOTO_SAMPLES = ["chelsea", "astronaut", "coffee", "rocket", "camera"]
GLYPH_SAMPLES = ["x_drawn", "o_drawn", "x_lesson", "o_lesson"]
DIGIT_SAMPLES = [f"digit_{d}" for d in range(10)]


@lru_cache(maxsize=len(SAMPLES))
def _full(key: str) -> Picture:
    return SAMPLES[key].make()


def load_sample(key: str, max_side: int) -> Picture:
    """The sample `key` at no more than max_side pixels on its long side."""
    return resize_to_fit(_full(key), max_side)
