"""Arrays -> pictures and files: colormaps, enlargement, channel grids, PNG and CSV.

Signed maps use a colour-blind-safe diverging colormap (ColorBrewer RdBu,
reversed: negative blue, zero white, positive red) centred on 0.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

# ColorBrewer RdBu (11 classes), reversed so that blue is negative and red positive.
_RDBU_R = np.array(
    [
        [5, 48, 97],
        [33, 102, 172],
        [67, 147, 195],
        [146, 197, 222],
        [209, 229, 240],
        [247, 247, 247],
        [253, 219, 199],
        [244, 165, 130],
        [214, 96, 77],
        [178, 24, 43],
        [103, 0, 31],
    ],
    dtype=np.float32,
)
NEGATIVE_HEX, ZERO_HEX, POSITIVE_HEX = "#2166ac", "#f7f7f7", "#b2182b"


def _interpolated(anchors: np.ndarray, n: int) -> np.ndarray:
    """n colours evenly spaced along the anchor colours; (A, 3) -> (n, 3) uint8."""
    t = np.linspace(0, len(anchors) - 1, n)
    lo = np.floor(t).astype(np.int64).clip(0, len(anchors) - 2)
    frac = (t - lo)[:, None]
    return (anchors[lo] * (1.0 - frac) + anchors[lo + 1] * frac + 0.5).astype(np.uint8)


# 1,023 steps (odd, so 0 maps exactly to the middle colour): a lookup is 5× faster than interpolating.
DIVERGING_LUT = _interpolated(_RDBU_R, 1023)


def diverging(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Signed values -> colours, 0 white, ±limit saturated; (H, W) -> (H, W, 3) uint8.

    limit defaults to the largest absolute value, so the map uses the full scale.
    """
    if limit is None:
        limit = float(np.abs(values).max()) if values.size else 1.0
    limit = limit if limit > 0 else 1.0
    half = (len(DIVERGING_LUT) - 1) / 2
    # float32 and in place: this colours every map of every rerun (8 maps at 512 px: 6 M values).
    index = np.multiply(values, np.float32(half / limit), dtype=np.float32)
    index += np.float32(half + 0.5)  # + 0.5: round to the nearest step when truncated below
    np.clip(index, 0, len(DIVERGING_LUT) - 1, out=index)
    return np.take(DIVERGING_LUT, index.astype(np.intp), axis=0)  # take: 3× faster than fancy indexing


PERCENTILE_SAMPLE = 1 << 16  # values the colour scale's percentile is read from, at most


def robust_limit(values: np.ndarray, percentile: float = 99.5) -> float:
    """The colour scale's end: the 99.5th percentile of |values|, so a few extreme pixels do not wash
    the map out; at least a tenth of the true maximum (sparse maps such as one edge) and never 0.

    Past PERCENTILE_SAMPLE values the percentile is read from evenly spaced ones (every k-th in
    memory order): a colour scale needs no more, and 8 maps of a 512-px photo cost 3 ms, not 18.
    """
    flat = values.ravel()
    if not flat.size:
        return 1.0
    top = float(max(flat.max(), -flat.min()))
    if top == 0.0:
        return 1.0
    sample = flat[:: -(-flat.size // PERCENTILE_SAMPLE)]
    return max(float(np.percentile(np.abs(sample), percentile)), 0.1 * top)


def diverging_plotly() -> list[list]:
    """The same colormap as a Plotly colorscale, so hover charts match the pictures."""
    stops = np.linspace(0.0, 1.0, len(_RDBU_R))
    return [[float(t), f"rgb({r:.0f},{g:.0f},{b:.0f})"] for t, (r, g, b) in zip(stops, _RDBU_R, strict=True)]


def diverging_css(n: int = 11) -> str:
    """A CSS linear-gradient of the diverging colormap, for legends."""
    stops = ", ".join(f"rgb({r:.0f},{g:.0f},{b:.0f})" for r, g, b in _RDBU_R[:: max(1, len(_RDBU_R) // n)])
    return f"linear-gradient(to right, {stops})"


def grayscale(values: np.ndarray, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """Values -> gray levels, lo black and hi white; (H, W) -> (H, W, 3) uint8."""
    lo = float(values.min()) if lo is None else lo
    hi = float(values.max()) if hi is None else hi
    scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
    g = (np.clip(scaled, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def picture_rgb(pixels: np.ndarray) -> np.ndarray:
    """An input picture for display: [0, 1] RGB as is, other ranges (±1 glyphs) stretched; -> uint8."""
    lo, hi = float(pixels.min()), float(pixels.max())
    if lo >= 0.0 and hi <= 1.0:
        lo, hi = 0.0, 1.0
    scaled = (pixels - lo) / (hi - lo) if hi > lo else np.zeros_like(pixels)
    return (np.clip(scaled, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def enlarge(rgb: np.ndarray, min_side: int = 256, max_side: int = 1024) -> np.ndarray:
    """Nearest-neighbour enlargement by a whole factor so small maps show crisp pixels.

    (H, W, 3) -> (H·f, W·f, 3) with f the largest whole number keeping the
    shorter side at least min_side where possible and the longer at most max_side.
    """
    h, w = rgb.shape[:2]
    factor = max(1, min(-(-min_side // min(h, w)), max_side // max(h, w)))
    if factor == 1:
        return rgb
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def outline(
    rgb: np.ndarray, top: int, left: int, height: int, width: int, colour=(255, 200, 0), scale: int = 1
) -> np.ndarray:
    """A copy of rgb with a 2-px box around the cells [top, top+height) × [left, left+width).

    Coordinates are in cells; scale is how many pixels a cell takes in rgb.
    The part of the box outside the image (padding) is clipped.
    """
    out = rgb.copy()
    h, w = out.shape[:2]
    t, l_ = top * scale, left * scale
    b, r = (top + height) * scale - 1, (left + width) * scale - 1
    thick = 2 if scale >= 4 or min(h, w) >= 64 else 1
    for y0, y1, x0, x1 in (
        (t, t + thick, l_, r + 1),
        (b - thick + 1, b + 1, l_, r + 1),
        (t, b + 1, l_, l_ + thick),
        (t, b + 1, r - thick + 1, r + 1),
    ):
        ys, ye, xs, xe = max(y0, 0), min(y1, h), max(x0, 0), min(x1, w)
        if ys < ye and xs < xe:
            out[ys:ye, xs:xe] = colour
    return out


def channel_grid(maps: np.ndarray, limit: float | None = None, columns: int | None = None, gap: int = 1) -> np.ndarray:
    """All channels of (C, H, W) tiled in one picture, one shared diverging scale.

    -> (rows·(H+gap)−gap, columns·(W+gap)−gap, 3) uint8, gaps in light gray.
    """
    c, h, w = maps.shape
    columns = columns or int(np.ceil(np.sqrt(c)))
    rows = int(np.ceil(c / columns))
    if limit is None:
        limit = float(np.abs(maps).max()) or 1.0
    grid = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap, 3), 200, dtype=np.uint8)
    colours = diverging(maps, limit)  # all maps at once
    for i in range(c):
        r, col = divmod(i, columns)
        grid[r * (h + gap) : r * (h + gap) + h, col * (w + gap) : col * (w + gap) + w] = colours[i]
    return grid


def layer_picture(output: np.ndarray) -> np.ndarray:
    """One network layer's output as a picture: (C, H, W) maps as a grid of up to 16 columns,
    vectors (and 1×1 maps) as one strip of cells; each layer on its own colour scale."""
    if output.ndim == 3 and output.shape[1] * output.shape[2] > 1:
        return channel_grid(output, robust_limit(output), min(output.shape[0], 16), gap=2)
    return vector_picture(output.ravel())


def vector_picture(values: np.ndarray, columns: int = 40) -> np.ndarray:
    """A vector as rows of cells, wrapped at `columns`, unused cells light gray; (N,) -> (rows, cols, 3)."""
    n = values.size
    cols = min(n, columns)
    rows = -(-n // cols)
    rgb = np.full((rows * cols, 3), 225, dtype=np.uint8)
    rgb[:n] = diverging(values.reshape(1, -1), robust_limit(values))[0]
    return rgb.reshape(rows, cols, 3)


DISPLAY_SIDE = 800  # a panel picture's longer side, at most, as sent to the browser (a panel is ~300 px wide)


def block_mean(maps: np.ndarray, factor: int) -> np.ndarray:
    """(C, H, W) -> (C, ⌈H/f⌉, ⌈W/f⌉): the mean of each f×f block (partial blocks at the edges
    average what they hold), so a reduced map keeps thin edges, fainter, instead of dropping them."""
    if factor <= 1:
        return maps
    c, h, w = maps.shape
    oh, ow = -(-h // factor), -(-w // factor)
    rows_summed = np.zeros((c, oh, w), np.float32)
    for i in range(factor):  # separable: rows of each block first (one strided view each), then columns
        view = maps[:, i::factor]
        rows_summed[:, : view.shape[1]] += view
    sums = np.zeros((c, oh, ow), np.float32)
    for j in range(factor):
        view = rows_summed[:, :, j::factor]
        sums[:, :, : view.shape[2]] += view
    rows = np.minimum(factor, h - np.arange(oh) * factor)
    cols = np.minimum(factor, w - np.arange(ow) * factor)
    return sums / np.outer(rows, cols).astype(np.float32)


def display_grid(
    maps: np.ndarray, limit: float, columns: int, gap: int = 2, max_side: int = DISPLAY_SIDE
) -> np.ndarray:
    """channel_grid as the page shows it: small maps enlarged crisply, large ones reduced by a whole
    factor (block means, before colouring) so the grid's longer side is at most max_side."""
    c, h, w = maps.shape
    rows = -(-c // columns)
    factor = -(-max(rows * (h + gap), columns * (w + gap)) // max_side)
    return enlarge(channel_grid(block_mean(maps, factor), limit, columns, gap), max_side=max_side)


def display_picture(rgb: np.ndarray, max_side: int = DISPLAY_SIDE) -> np.ndarray:
    """A picture as the page shows it: enlarged crisply if small, reduced (area average) to max_side if large."""
    return shrink_picture(enlarge(rgb, max_side=max_side), max_side)


def jpeg_bytes(rgb: np.ndarray, quality: int = 90) -> bytes:
    """(H, W, 3) uint8 -> JPEG bytes without chroma subsampling (coloured cells keep sharp edges).

    Encoded once per result and sent as they are: Streamlit passes JPEG bytes up to 1460 px wide
    through untouched, where an array would be encoded again on every rerun."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality, subsampling=0)
    return buf.getvalue()


def map_picture(values: np.ndarray, limit: float, max_side: int = 520) -> np.ndarray:
    """One (H, W) map coloured, at most max_side across: reduced by block means if larger, else one
    pixel per cell (the browser enlarges it crisply)."""
    factor = -(-max(values.shape) // max_side)
    return diverging(block_mean(values[None], factor)[0] if factor > 1 else values, limit)


def shrink_picture(rgb: np.ndarray, max_side: int = 520) -> np.ndarray:
    """A picture reduced (area average) to at most max_side across; smaller ones as they are."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def enlarge_to_width(rgb: np.ndarray, max_width: int = 900, max_factor: int = 8) -> np.ndarray:
    """Nearest-neighbour enlargement by the largest whole factor (≤ max_factor) that fits max_width."""
    factor = max(1, min(max_factor, max_width // rgb.shape[1]))
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1) if factor > 1 else rgb


def png_bytes(rgb: np.ndarray) -> bytes:
    """(H, W, 3) uint8 -> PNG file bytes (fast compression: these are made on every change)."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def csv_text(maps: np.ndarray) -> str:
    """(C, H, W) values as CSV a program can read: numbers only, 9 significant digits (every float32
    exactly), one map row per line, maps in order separated by one blank line."""
    return "\n\n".join("\n".join(",".join(f"{float(v):.9g}" for v in row) for row in m) for m in maps) + "\n"


def text_colour(rgb: np.ndarray) -> str:
    return "#000" if float(rgb @ np.array([0.299, 0.587, 0.114])) > 140 else "#fff"


def format_number(v: float, decimals: int = 2) -> str:
    """Compact, sign-aware: '−0.5', '12', '1.2e+03' (a true minus sign reads better projected)."""
    if v == 0:
        return "0"
    if float(v).is_integer() and abs(v) < 1e7:
        return str(int(v)).replace("-", "−")
    text = f"{v:.{decimals}f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:.3g}"
    if text in ("-0", "0"):
        text = f"{v:.1e}"
    return text.replace("-", "−")


SMALL_MAP = 16  # maps up to this many rows and columns show every value as a number


def is_small(maps: np.ndarray) -> bool:
    """(…, H, W): small enough to read every value."""
    return maps.shape[-1] <= SMALL_MAP and maps.shape[-2] <= SMALL_MAP


def numbers_picture(
    maps: np.ndarray, limit: float | None = None, gray_range: tuple[float, float] | None = None, cell: int = 44
) -> np.ndarray:
    """(C, H, W) -> one picture of C number grids side by side, each cell coloured like the maps
    (or as gray levels) with its value written in it, as the page shows them; -> uint8 RGB."""
    from PIL import Image, ImageDraw, ImageFont

    c, h, w = maps.shape
    gap = cell // 2
    canvas = Image.new("RGB", (c * w * cell + (c - 1) * gap + 2, h * cell + 2), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=max(10, cell // 3))
    for i, values in enumerate(maps):
        shown = np.nan_to_num(values.astype(np.float32))
        colours = grayscale(shown, *gray_range) if gray_range else diverging(shown, limit)
        x0 = i * (w * cell + gap) + 1
        for r in range(h):
            for col in range(w):
                box = (x0 + col * cell, 1 + r * cell, x0 + (col + 1) * cell - 1, 1 + (r + 1) * cell - 1)
                bg = tuple(int(v) for v in colours[r, col])
                draw.rectangle(box, fill=bg, outline=(190, 190, 190))
                text = "pad" if np.isnan(values[r, col]) else format_number(float(values[r, col]))
                draw.text(
                    ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2),
                    text.replace("−", "-"),
                    fill=text_colour(np.asarray(bg)),
                    font=font,
                    anchor="mm",
                )
    return np.asarray(canvas)


def number_table_html(
    values: np.ndarray,
    limit: float | None = None,
    decimals: int = 2,
    gray_range: tuple[float, float] | None = None,
    masked: np.ndarray | None = None,
    highlight: tuple[int, int] | None = None,
    cell_px: int = 38,
    fit: bool = False,
) -> str:
    """A (H, W) grid of numbers as an HTML table, each cell coloured like the maps.

    masked cells (True) are shown hatched: they lie in the zero padding.
    highlight outlines one cell (e.g. the max of a pooling window).
    gray_range (lo, hi) colours cells as the image's gray levels instead (for input pixels).
    fit shrinks the table to its column's width (cells at most cell_px wide), for maps shown in panels.
    """
    v = np.nan_to_num(values.astype(np.float32))  # NaN: a cell that is not on the map (padding)
    colours = grayscale(v, *gray_range) if gray_range else diverging(v, limit)
    rows = []
    for r in range(values.shape[0]):
        cells = []
        for c in range(values.shape[1]):
            bg = colours[r, c]
            style = f"background:rgb({bg[0]},{bg[1]},{bg[2]});color:{text_colour(bg)};"
            outside = bool(np.isnan(values[r, c]))
            if outside or (masked is not None and masked[r, c]):
                style += "background-image:repeating-linear-gradient(45deg,#0000 0 4px,#9996 4px 6px);"
            if highlight == (r, c):
                style += "outline:3px solid #f5b800;outline-offset:-3px;font-weight:700;"
            text = "pad" if outside else format_number(float(values[r, c]), decimals)
            cells.append(f'<td style="{style}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if fit:
        return (
            f'<table class="cs-fit" style="border-collapse:collapse;width:100%;max-width:{values.shape[1] * cell_px}px;'
            'table-layout:fixed;font:600 clamp(8px,0.85vw,15px)/1.1 ui-monospace,monospace;">'
            "<style>.cs-fit td{text-align:center;border:1px solid #ccc;padding:0.45em 0;overflow:hidden;"
            f"white-space:nowrap}}</style>{''.join(rows)}</table>"
        )
    return (
        f'<table class="cs-grid" style="border-collapse:collapse;font:600 13px/1 ui-monospace,monospace;">'
        f"<style>.cs-grid td{{min-width:{cell_px}px;height:{cell_px * 0.7:.0f}px;text-align:center;"
        f"border:1px solid #ccc;padding:2px 3px}}</style>{''.join(rows)}</table>"
    )


def legend_html(low: float, high: float, limit: float, caption: str = "") -> str:
    """A colour bar from −limit to +limit, with the map's actual min and max written under it."""
    note = f"<div>{caption}</div>" if caption else ""
    return (
        '<div style="font-size:0.85rem;line-height:1.3">'
        f'<div style="height:12px;border-radius:3px;background:{diverging_css()}"></div>'
        '<div style="display:flex;justify-content:space-between">'
        f"<span>−{format_number(limit)}</span><span>0</span><span>+{format_number(limit)}</span></div>"
        f"<div>min <b>{format_number(low)}</b> · max <b>{format_number(high)}</b></div>{note}"
        "</div>"
    )


# A sequential colour map for maps of sensitivity (≥ 0): pale yellow through orange to dark red.
_HEAT = np.array(
    [[255, 255, 204], [254, 217, 118], [253, 141, 60], [227, 26, 28], [128, 0, 38]],
    dtype=np.float32,
)
HEAT_LUT = _interpolated(_HEAT, 256)


def _faded(picture: np.ndarray) -> np.ndarray:
    """A pale grey copy of an RGB picture, for a map to be laid over; -> (H, W, 3) float32."""
    grey = picture.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return (0.45 * grey + 0.55 * 255.0)[..., None].repeat(3, axis=2)


def heat_overlay(picture: np.ndarray, heat: np.ndarray, limit: float | None = None) -> np.ndarray:
    """A map of values ≥ 0 laid over a faded grey copy of the picture: clear where the map is 0,
    dark red at limit (default: the map's largest value); (H, W, 3) uint8 and (H, W) -> (H, W, 3) uint8."""
    limit = float(heat.max()) if limit is None else limit
    strength = np.clip(heat / limit, 0.0, 1.0) if limit > 0 else np.zeros_like(heat, dtype=np.float32)
    base = _faded(picture)
    colour = HEAT_LUT[(strength * 255).astype(np.int64)].astype(np.float32)
    alpha = (0.15 + 0.85 * strength)[..., None] * (strength[..., None] > 0.02)
    return (base * (1 - alpha) + colour * alpha + 0.5).clip(0, 255).astype(np.uint8)


def diverging_overlay(picture: np.ndarray, values: np.ndarray, limit: float) -> np.ndarray:
    """Signed values (red > 0, blue < 0) laid over a faded grey copy of the picture; -> (H, W, 3) uint8."""
    colour = diverging(values, limit).astype(np.float32)
    base = _faded(picture)
    alpha = np.clip(np.abs(values) / limit, 0.0, 1.0)[..., None] * 0.85 if limit > 0 else 0.0
    return (base * (1 - alpha) + colour * alpha + 0.5).clip(0, 255).astype(np.uint8)
