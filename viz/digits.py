"""Digits drawn as a person would, stroke by stroke.

Each digit is a list of polylines in a unit box (x right, y down). They give
the digit network its offline samples, and the same strokes are replayed as
mouse moves on the drawing canvas by the browser tests.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw


def _arc(
    cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 24
) -> list[tuple[float, float]]:
    """Points along an ellipse from angle start to end (degrees, 0 = right, 90 = down)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a))) for a in np.linspace(start, end, n)
    ]


STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [_arc(0.5, 0.5, 0.28, 0.42, 0, 360, 40)],
    1: [[(0.38, 0.2), (0.55, 0.08), (0.55, 0.92)]],
    2: [_arc(0.5, 0.32, 0.26, 0.24, 190, 360 + 40) + [(0.22, 0.9), (0.8, 0.9)]],
    3: [_arc(0.48, 0.3, 0.26, 0.21, 200, 360 + 90), _arc(0.48, 0.7, 0.3, 0.22, -90, 160)],
    4: [[(0.6, 0.08), (0.18, 0.62), (0.85, 0.62)], [(0.62, 0.35), (0.62, 0.94)]],
    5: [[(0.78, 0.1), (0.3, 0.1), (0.26, 0.45)] + _arc(0.5, 0.66, 0.3, 0.26, -120, 150)],
    6: [[(0.68, 0.08), (0.3, 0.5)] + _arc(0.5, 0.68, 0.26, 0.24, 180, 180 + 360)],
    7: [[(0.18, 0.1), (0.82, 0.1), (0.42, 0.92)]],
    8: [_arc(0.5, 0.28, 0.22, 0.2, 90, 90 + 360), _arc(0.5, 0.7, 0.28, 0.22, -90, 270)],
    9: [_arc(0.5, 0.32, 0.25, 0.22, 0, 360) + [(0.75, 0.32), (0.7, 0.92)]],
}


def draw_digit(digit: int, size: int = 280, width: int = 22, dark_on_light: bool = False) -> np.ndarray:
    """The digit drawn with a round pen on a square canvas: (size, size, 3) float32 in [0, 1]."""
    ink, paper = (0, 255) if dark_on_light else (255, 0)
    im = Image.new("L", (size, size), paper)
    draw = ImageDraw.Draw(im)
    margin = size * 0.12
    scale = size - 2 * margin
    for stroke in STROKES[digit]:
        points = [(margin + x * scale, margin + y * scale) for x, y in stroke]
        draw.line(points, fill=ink, width=width, joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=ink)
    gray = np.asarray(im, dtype=np.float32) / 255.0
    return np.repeat(gray[..., None], 3, axis=2)


def random_digit(digit: int, rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """The digit as a different hand would draw it: its strokes slanted, squeezed, shifted and wobbled,
    with a random pen; (size, size, 3) float32, white ink on black."""
    angle = math.radians(rng.uniform(-14, 14))
    sx, sy, shear = rng.uniform(0.75, 1.1), rng.uniform(0.8, 1.1), rng.uniform(-0.25, 0.25)
    cos, sin = math.cos(angle), math.sin(angle)

    def move(x: float, y: float) -> tuple[float, float]:
        x, y = (x - 0.5) * sx + shear * (y - 0.5), (y - 0.5) * sy
        return 0.5 + cos * x - sin * y, 0.5 + sin * x + cos * y

    im = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(im)
    width = max(2, round(size * rng.uniform(0.06, 0.12)))
    margin, scale = size * 0.15, size * 0.7
    for stroke in STROKES[digit]:
        wobble = rng.normal(0, 0.015, (len(stroke), 2))
        points = [
            (margin + x * scale, margin + y * scale)
            for x, y in (move(*p) + w for p, w in zip(stroke, wobble, strict=True))
        ]
        draw.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    gray = np.asarray(im, dtype=np.float32) / 255.0
    return np.repeat(gray[..., None], 3, axis=2)
