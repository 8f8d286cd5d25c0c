"""Xs and Os as ±1 pixel grids, in the style of the "X or O?" lesson.

One generator serves both the xo-net training data and the app's samples, so
what the app shows is what the network was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GLYPH_CLASSES: tuple[str, str] = ("X", "O")


@dataclass(frozen=True)
class GlyphStyle:
    """How far a drawn glyph departs from the textbook one."""

    shift: float = 0.0  # fraction of the grid
    scale: float = 1.0
    rotation_deg: float = 0.0
    stroke: float = 1.3  # in pixels of the output grid
    wobble: float = 0.0  # amplitude of a smooth deformation, in pixels
    noise: float = 0.0  # share of pixels flipped


def _segment_distance(px: np.ndarray, py: np.ndarray, a: tuple, b: tuple) -> np.ndarray:
    """Distance from every (px, py) to the segment a-b; (H, W) -> (H, W)."""
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(px - (ax + t * dx), py - (ay + t * dy))


def draw_glyph(
    label: str,
    size: int = 9,
    style: GlyphStyle = GlyphStyle(),
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """An X or an O as a (size, size) float32 grid of -1 (background) and +1 (ink).

    The glyph is rendered analytically (distance to its strokes) so any size,
    stroke width, rotation and deformation gives a clean, centred shape.
    """
    if label not in GLYPH_CLASSES:
        raise ValueError(f"label must be one of {GLYPH_CLASSES}, not {label!r}")
    # Pixel centres in a frame where the glyph spans [-1, 1].
    coords = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    gx, gy = np.meshgrid(coords, coords)
    theta = np.deg2rad(style.rotation_deg)
    cos, sin = np.cos(theta), np.sin(theta)
    if style.wobble and rng is not None:
        # A smooth random deformation: low-frequency sinusoids, like a shaky hand.
        fx, fy, px_, py_ = rng.uniform(0.5, 1.5, 4) * np.pi
        amp = style.wobble * 2.0 / size
        gx, gy = gx + amp * np.sin(fy * gy + px_), gy + amp * np.sin(fx * gx + py_)
    x = (cos * gx + sin * gy) / style.scale
    y = (-sin * gx + cos * gy) / style.scale
    reach = 0.78  # the strokes stay inside the grid at scale 1
    if label == "X":
        d = np.minimum(
            _segment_distance(x, y, (-reach, -reach), (reach, reach)),
            _segment_distance(x, y, (-reach, reach), (reach, -reach)),
        )
    else:
        d = np.abs(np.hypot(x, y) - reach)
    half_stroke = style.stroke / size  # one output pixel is 2/size wide
    ink = d * style.scale <= half_stroke
    grid = np.where(ink, 1.0, -1.0).astype(np.float32)
    if style.noise and rng is not None:
        flip = rng.random(grid.shape) < style.noise
        grid[flip] *= -1.0
    return grid


def _shifted(grid: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift a ±1 grid, filling with background; (H, W) -> (H, W)."""
    out = np.full_like(grid, -1.0)
    h, w = grid.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = grid[ys, xs]
    return out


def random_glyph(label: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """One hand-drawn-looking X or O: random scale, rotation, stroke, wobble, shift, noise."""
    scale = rng.uniform(0.55, 1.0)
    style = GlyphStyle(
        scale=scale,
        rotation_deg=rng.uniform(-20, 20),
        stroke=rng.uniform(1.1, 2.2) * size / 16,
        wobble=rng.uniform(0.0, 0.8) * size / 16,
        noise=rng.choice([0.0, 0.0, rng.uniform(0.0, 0.03)]),
    )
    grid = draw_glyph(label, size, style, rng)
    # Shift only as far as keeps the whole glyph on the grid.
    max_shift = int((1.0 - 0.78 * scale) * size / 2 - style.stroke / 2)
    dy, dx = rng.integers(-max_shift, max_shift + 1, 2) if max_shift > 0 else (0, 0)
    return _shifted(grid, int(dy), int(dx))


def glyph_dataset(n: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n random glyphs, half Xs and half Os: ((n, size, size) float32, (n,) int64 labels)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % len(GLYPH_CLASSES)
    rng.shuffle(labels)
    images = np.stack([random_glyph(GLYPH_CLASSES[k], size, rng) for k in labels])
    return images.astype(np.float32), labels.astype(np.int64)
