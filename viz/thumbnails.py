"""Numbered thumbnails and labelled cells: a layer's channels, and a vector's cells with their names, as HTML.

Each thumbnail travels at its own size (a PNG with one pixel per cell, a few hundred bytes) and the
browser enlarges it crisply (`image-rendering: pixelated`), so a 96-channel layer costs tens of KB
rather than a picture as large as it is shown. Sizes are in rem: the classroom display enlarges
them with the type.
"""

from __future__ import annotations

import base64
import html

import numpy as np

from viz.render import diverging, format_number, png_bytes, text_colour

PAGE_SIZE = 16  # channels shown before "show all": two rows of eight


def _data_uri(rgb: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode("ascii")


def thumbnail_rem(count: int, side: int) -> float:
    """How large each thumbnail is drawn (rem): few channels large, many smaller, never below 4.5 rem
    (72 px), and small maps (a 7×7 pooled map) not blown up past 12 pixels a cell."""
    size = 8.0 if count <= 8 else 6.0 if count <= 16 else 4.5
    return min(size, max(3.0, side * 12 / 16))


def thumbnails_html(pictures: list[np.ndarray], captions: list[str], rem: float) -> str:
    """Pictures ((h, w, 3) uint8) side by side, wrapping, each drawn `rem` wide with its caption under it."""
    figures = "".join(
        f'<figure style="margin:0;width:{rem}rem;text-align:center">'
        f'<img src="{_data_uri(p)}" alt="{html.escape(c)}" title="{html.escape(c)}" '
        f'style="width:{rem}rem;height:{rem * p.shape[0] / p.shape[1]:.3f}rem;image-rendering:pixelated;'
        'border:1px solid #bbb;display:block">'
        f'<figcaption style="font:600 0.8rem/1.4 ui-monospace,monospace;color:#333">{html.escape(c)}</figcaption>'
        "</figure>"
        for p, c in zip(pictures, captions, strict=True)
    )
    return f'<div class="cs-thumbs" style="display:flex;flex-wrap:wrap;gap:0.6rem 0.5rem">{figures}</div>'


def channel_thumbnails(maps: np.ndarray, limit: float, first: int = 0, count: int | None = None) -> tuple[str, int]:
    """Channels first … first+count of (C, H, W) maps as numbered thumbnails on one colour scale ±limit.

    -> (the HTML, how many channels it shows)."""
    c, h, w = maps.shape
    shown = range(first, min(c, first + (count if count is not None else c)))
    pictures = [diverging(maps[i], limit) for i in shown]
    return thumbnails_html(pictures, [f"#{i}" for i in shown], thumbnail_rem(c, max(h, w))), len(shown)


def cells_html(values: np.ndarray, labels: list[str], limit: float, winner: int | None = None) -> str:
    """A vector's cells (a layer's outputs) in a row, wrapping: each coloured on the diverging scale,
    its value written in it and its name (a class, a neuron's number) under it; `winner` outlined."""
    colours = diverging(values.reshape(1, -1).astype(np.float32), limit)[0]
    cells = []
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        bg = colours[i]
        ring = "outline:3px solid #f5b800;outline-offset:-3px;" if i == winner else ""
        cells.append(
            '<div style="text-align:center;min-width:3.6rem">'
            f'<div style="background:rgb({bg[0]},{bg[1]},{bg[2]});color:{text_colour(bg)};{ring}'
            'border:1px solid #bbb;padding:0.45rem 0.3rem;font:600 0.85rem/1 ui-monospace,monospace">'
            f"{format_number(float(v), 2)}</div>"
            f'<div style="font-size:0.8rem;line-height:1.4;font-weight:{700 if i == winner else 400}">'
            f"{html.escape(label)}</div></div>"
        )
    return f'<div class="cs-cells" style="display:flex;flex-wrap:wrap;gap:0.35rem">{"".join(cells)}</div>'
