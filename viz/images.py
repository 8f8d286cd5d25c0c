"""Decoding and validating uploads, and bringing any picture to a working size.

Uploads are decoded from bytes in memory: nothing is written to disk or
logged. Every failure is a ConvScopeError that says what to do.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from viz.errors import ConvScopeError
from viz.preprocess import luminance

ACCEPTED_TYPES = ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff")
MAX_UPLOAD_MB = 25
MAX_ASPECT = 20  # longer side / shorter side
MIN_WORKING_SIDE, MAX_WORKING_SIDE, DEFAULT_WORKING_SIDE = 64, 1024, 512
# Pillow's own limit, stated here so it does not depend on a global default.
MAX_PIXELS = 89_478_485
EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Picture:
    """A decoded image: (H, W, 3) float32 RGB values, and what was done to get them."""

    pixels: np.ndarray
    source: str  # "PNG 640×480 RGBA", "sample", ...
    notes: tuple[str, ...] = field(default=())
    grayscale: bool = False  # all three channels are equal


def _sixteen_bit_to_float(im: Image.Image) -> np.ndarray:
    """16-bit or 32-bit single-channel images -> (H, W) in [0, 1], keeping their full depth."""
    arr = np.asarray(im, dtype=np.float64)
    top = 65535.0 if im.mode.startswith("I") else max(float(arr.max()), 1.0)
    return np.clip(arr / top, 0.0, 1.0).astype(np.float32)


def _to_rgb_float(im: Image.Image, notes: list[str]) -> tuple[np.ndarray, bool]:
    """Any Pillow mode -> ((H, W, 3) float32 in [0, 1], grayscale?); transparency on white."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        gray = _sixteen_bit_to_float(im)
        notes.append(f"{im.mode} pixels scaled to 0–1 without losing depth")
        return np.repeat(gray[..., None], 3, axis=2), True
    has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    if has_alpha:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba).convert("RGB")
        notes.append("transparent areas shown on white")
    elif im.mode in ("L", "1"):
        gray = np.asarray(im.convert("L"), dtype=np.float32) / 255.0
        return np.repeat(gray[..., None], 3, axis=2), True
    elif im.mode != "RGB":
        notes.append(f"{im.mode} colours converted to RGB")
        im = im.convert("RGB")
    rgb = np.asarray(im, dtype=np.float32) / 255.0
    gray = bool(np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]))
    return rgb, gray


def _fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(w, h) with the longer side at most max_side, aspect kept, each side at least 1."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_image(data: bytes, max_side: int = DEFAULT_WORKING_SIDE) -> Picture:
    """Upload bytes -> a Picture no larger than max_side on its long side.

    Honours EXIF orientation, takes the first frame of animations and
    multi-page files, composites transparency on white, and refuses
    decompression bombs, absurd shapes and files that are not images.
    """
    if not data:
        raise ConvScopeError("The file is empty (0 bytes). Choose an image file such as a PNG or JPEG.")
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise ConvScopeError(f"The file is larger than {MAX_UPLOAD_MB} MB. Choose a smaller image.")
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            # A size between Pillow's limit and twice it only warns: refuse it as well.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            width, height = im.size
            fmt = im.format or "image"
            _check_dimensions(width, height)
            frames = getattr(im, "n_frames", 1)
            if frames > 1:
                im.seek(0)
                notes.append(f"first of {frames} frames")
            if fmt == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a 24-megapixel photo decodes in a fraction of the time.
                im.draft("RGB", _fit_size(width, height, max_side))
            im.load()
            orientation = im.getexif().get(EXIF_ORIENTATION, 1)
            # Orientations 5-8 turn the picture a quarter, swapping width and height.
            upright = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
            if orientation != 1:
                im = ImageOps.exif_transpose(im)
                notes.append("turned upright as its EXIF orientation says")
            rgb, gray = _to_rgb_float(im, notes)
    except ConvScopeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ConvScopeError(
            "This image has too many pixels to open safely (it looks like a decompression bomb). "
            "Choose a photo of at most about 89 megapixels."
        ) from None
    except UnidentifiedImageError:
        raise ConvScopeError(
            "This file is not an image ConvScope can read. Upload a PNG, JPEG, WebP, BMP, GIF or TIFF."
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, IndexError, TypeError):
        raise ConvScopeError(
            "This image file is damaged or truncated and cannot be decoded. Try saving it again or choose another file."
        ) from None
    picture = Picture(rgb, f"{fmt} {width}×{height} {im.mode}", tuple(notes), gray)
    return resize_to_fit(picture, max_side, upright)


def _check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise ConvScopeError("The image has no pixels.")
    if width * height > MAX_PIXELS:
        raise ConvScopeError(
            f"The image is {width}×{height} = {width * height / 1e6:.0f} megapixels, more than the "
            f"{MAX_PIXELS / 1e6:.0f} megapixels ConvScope opens safely. Choose a smaller image."
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise ConvScopeError(
            f"The image is {width}×{height} pixels: too long and thin to filter "
            f"(more than {MAX_ASPECT} times longer than it is wide). Crop it to a less extreme shape."
        )


def resize_to_fit(picture: Picture, max_side: int, original: tuple[int, int] | None = None) -> Picture:
    """Shrink so the longer side is at most max_side (never enlarges); (H, W, 3) -> (h, w, 3).

    original is the (width, height) the note should name, when decoding already shrank it.
    """
    h, w = picture.pixels.shape[:2]
    if max(h, w) <= max_side:
        return picture
    new_w, new_h = _fit_size(w, h, max_side)
    channels = [
        np.asarray(Image.fromarray(picture.pixels[..., i]).resize((new_w, new_h), Image.Resampling.BOX))
        for i in range(3)
    ]
    ow, oh = original or (w, h)
    note = f"shrunk from {ow}×{oh} to {new_w}×{new_h}"
    return Picture(
        np.stack(channels, axis=2).astype(np.float32), picture.source, (*picture.notes, note), picture.grayscale
    )


def to_channels(picture: Picture, grayscale: bool) -> np.ndarray:
    """The image as a CNN sees it: (1, H, W) luminance, or (3, H, W) R, G, B."""
    if grayscale:
        return luminance(picture.pixels)[None]
    return picture.pixels.transpose(2, 0, 1).copy()
