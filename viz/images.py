"""Decoding and validating uploads, and bringing any picture to a working size.

Uploads are decoded from bytes in memory: nothing is written to disk or
logged. Every failure is a ConvScopeError that says what to do.

Memory stays bounded whatever the file: the decoded 8-bit image is the only
full-size copy (at most MAX_PIXELS × 4 bytes); it is turned into floats and
shrunk a band of rows at a time, and at most workers.DECODE_SLOTS decodes run at
once in the whole server, at a lower CPU priority than everything else.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, UnidentifiedImageError

from viz.errors import ConvScopeError
from viz.preprocess import luminance
from viz.workers import decoders, run_in

try:  # iPhone photos (HEIC/HEIF): pillow-heif teaches Pillow to open them.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - pillow-heif is in requirements.txt
    HEIF = False

# The file types the README advertises, and the only decoders Pillow may use on an upload
# (JPEG covers MPO, how many cameras' JPEGs identify themselves). Anything else, whatever its name, is refused.
ACCEPTED_TYPES = ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff") + (("heic", "heif") if HEIF else ())
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF") + (("HEIF",) if HEIF else ())
FORMAT_NAMES = "PNG, JPEG, WebP, BMP, GIF, TIFF" + (" or HEIC" if HEIF else "")
MAX_UPLOAD_MB = 25
MAX_ASPECT = 20  # longer side / shorter side
MIN_WORKING_SIDE, MAX_WORKING_SIDE, DEFAULT_WORKING_SIDE = 64, 1024, 512
# A decode holds one full-size copy of the image: at most 4 bytes a pixel for most formats, so
# 50 megapixels keeps any accepted file under ~300 MB of extra memory (measured: tests/test_images.py).
# WebP and HEIF decoders hold two or three copies, so they get lower ceilings. JPEGs decode at a
# reduced scale and never reach them. Phone cameras save 12-48 MP.
MAX_PIXELS = 50_000_000
FORMAT_MAX_PIXELS = {"WEBP": 16_000_000, "HEIF": 25_000_000}
BAND_PIXELS = 1 << 19  # pixels turned into floats at a time (~6 MB of float32 RGB)
EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Picture:
    """A decoded image: (H, W, 3) float32 RGB values, and what was done to get them.

    full_size is the (width, height) of the upright original when it was larger than pixels.
    """

    pixels: np.ndarray
    source: str  # "PNG 640×480 RGBA", "sample", ...
    notes: tuple[str, ...] = field(default=())
    grayscale: bool = False  # all three channels are equal
    full_size: tuple[int, int] | None = None

    @property
    def all_notes(self) -> tuple[str, ...]:
        """The notes, plus how much the picture was shrunk, if it was."""
        h, w = self.pixels.shape[:2]
        if self.full_size is None or self.full_size == (w, h):
            return self.notes
        return (*self.notes, f"shrunk from {self.full_size[0]}×{self.full_size[1]} to {w}×{h}")


def gray_picture(values: np.ndarray, source: str, notes: tuple[str, ...] = ()) -> Picture:
    """(H, W) values in [0, 1] as a grey Picture: the three channels equal."""
    return Picture(np.repeat(np.asarray(values, np.float32)[..., None], 3, axis=2), source, tuple(notes), True)


def _fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(w, h) with the longer side at most max_side, aspect kept, each side at least 1."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


class _BandReducer:
    """Averages f×f blocks of horizontal bands of a decoded Pillow image, while still 8-bit where it can,
    and returns them as (h, w, 3) float32 RGB in [0, 1]."""

    DEEP = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")

    def __init__(self, im: Image.Image, factor: int, notes: list[str]) -> None:
        self.mode, self.factor = im.mode, factor
        self.alpha = im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (im.mode == "P" and "transparency" in im.info)
        self.top = 1.0
        if im.mode in self.DEEP:
            # Scale by the whole image's range, not the band's, so bands agree.
            self.top = 65535.0 if im.mode.startswith("I") else max(float(im.getextrema()[1]), 1.0)
            notes.append(f"{im.mode} pixels scaled to 0–1 without losing depth")
        elif self.alpha:
            notes.append("transparent areas shown on white")
        elif im.mode not in ("RGB", "L", "1"):
            notes.append(f"{im.mode} colours converted to RGB")

    def __call__(self, band: Image.Image) -> np.ndarray:
        if self.mode in self.DEEP:
            gray = np.asarray(band.convert("F").reduce(self.factor), dtype=np.float32) / self.top
            return np.repeat(np.clip(gray, 0.0, 1.0)[..., None], 3, axis=2)
        if self.alpha:
            # Premultiplied colours average exactly; compositing on white is then linear.
            rgba = np.asarray(band.convert("RGBA").convert("RGBa").reduce(self.factor), dtype=np.float32) / 255.0
            return rgba[..., :3] + (1.0 - rgba[..., 3:])
        if self.mode in ("L", "1"):
            gray = np.asarray(band.convert("L").reduce(self.factor), dtype=np.float32) / 255.0
            return np.repeat(gray[..., None], 3, axis=2)
        rgb = band if band.mode == "RGB" else band.convert("RGB")
        return np.asarray(rgb.reduce(self.factor), dtype=np.float32) / 255.0


def _shrink_decoded(im: Image.Image, max_side: int, notes: list[str]) -> np.ndarray:
    """A decoded Pillow image -> (h, w, 3) float32 no larger than max_side, one band of rows at a time.

    Whole f×f blocks are averaged band by band (exactly what averaging the whole image would give),
    then a box filter brings the result to its final size.
    """
    width, height = im.size
    factor = max(1, max(width, height) // max_side)
    band_rows = factor * max(1, BAND_PIXELS // (width * factor))
    reduce = _BandReducer(im, factor, notes)
    pieces = [reduce(im.crop((0, top, width, min(height, top + band_rows)))) for top in range(0, height, band_rows)]
    arr = pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=0)
    return _box_resize(arr, max_side)


def _box_resize(arr: np.ndarray, max_side: int) -> np.ndarray:
    """(H, W, 3) float32 -> longer side at most max_side, by Pillow's box filter on each channel."""
    h, w = arr.shape[:2]
    if max(h, w) <= max_side:
        return arr
    new_w, new_h = _fit_size(w, h, max_side)
    channels = [
        np.asarray(Image.fromarray(np.ascontiguousarray(arr[..., i])).resize((new_w, new_h), Image.Resampling.BOX))
        for i in range(arr.shape[2])
    ]
    return np.stack(channels, axis=2).astype(np.float32)


def upright(arr: np.ndarray, orientation: int) -> np.ndarray:
    """(H, W, C) as stored -> as seen, for EXIF orientations 1-8 (what ImageOps.exif_transpose does)."""
    if orientation == 2:
        arr = arr[:, ::-1]
    elif orientation == 3:
        arr = arr[::-1, ::-1]
    elif orientation == 4:
        arr = arr[::-1]
    elif orientation == 5:
        arr = arr.transpose(1, 0, 2)
    elif orientation == 6:
        arr = np.rot90(arr, -1)
    elif orientation == 7:
        arr = arr[::-1, ::-1].transpose(1, 0, 2)
    elif orientation == 8:
        arr = np.rot90(arr, 1)
    return np.ascontiguousarray(arr)


def decode_image(data: bytes, max_side: int = DEFAULT_WORKING_SIDE) -> Picture:
    """Upload bytes -> a Picture no larger than max_side on its long side.

    Honours EXIF orientation, takes the first frame of animations and
    multi-page files, composites transparency on white, and refuses
    decompression bombs, absurd shapes, other formats and files that are not images.
    """
    if not data:
        raise ConvScopeError("The file is empty (0 bytes). Choose an image file such as a PNG or JPEG.")
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise ConvScopeError(f"The file is larger than {MAX_UPLOAD_MB} MB. Choose a smaller image.")
    # At most workers.DECODE_SLOTS full-size images in memory, server-wide; the page waits for its turn.
    return run_in(decoders, _decode, data, max_side)


def _decode(data: bytes, max_side: int) -> Picture:
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            # A size between Pillow's limit and twice it only warns: refuse it as well.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = im.size
            fmt = im.format or "image"
            _check_dimensions(width, height, FORMAT_MAX_PIXELS.get(fmt, MAX_PIXELS))
            frames = getattr(im, "n_frames", 1)
            if frames > 1:
                im.seek(0)
                notes.append(f"first of {frames} frames")
            if fmt in ("JPEG", "MPO"):
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a 24-megapixel photo decodes in a fraction of the time.
                im.draft("RGB", _fit_size(width, height, max_side))
            im.load()
            mode = im.mode
            orientation = im.getexif().get(EXIF_ORIENTATION, 1)
            arr = _shrink_decoded(im, max_side, notes)
            del im
    except ConvScopeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ConvScopeError(
            "This image has too many pixels to open safely (it looks like a decompression bomb). "
            f"Choose a photo of at most {MAX_PIXELS / 1e6:.0f} megapixels."
        ) from None
    except UnidentifiedImageError:
        raise ConvScopeError(f"This file is not an image ConvScope can read. Upload a {FORMAT_NAMES} image.") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, IndexError, TypeError):
        raise ConvScopeError(
            "This image file is damaged or truncated and cannot be decoded. Try saving it again or choose another file."
        ) from None
    if orientation in range(2, 9):
        arr = upright(arr, orientation)
        notes.append("turned upright as its EXIF orientation says")
    full = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    gray = bool(np.array_equal(arr[..., 0], arr[..., 1]) and np.array_equal(arr[..., 1], arr[..., 2]))
    return Picture(arr, f"{fmt} {width}×{height} {mode}", tuple(notes), gray, full)


def _check_dimensions(width: int, height: int, max_pixels: int = MAX_PIXELS) -> None:
    if width < 1 or height < 1:
        raise ConvScopeError("The image has no pixels.")
    if width * height > max_pixels:
        raise ConvScopeError(
            f"The image is {width}×{height} = {width * height / 1e6:.0f} megapixels, more than the "
            f"{max_pixels / 1e6:.0f} megapixels ConvScope opens safely for this kind of file. "
            "Choose a smaller image, or save it as a JPEG."
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise ConvScopeError(
            f"The image is {width}×{height} pixels: too long and thin to filter "
            f"(more than {MAX_ASPECT} times longer than it is wide). Crop it to a less extreme shape."
        )


def resize_to_fit(picture: Picture, max_side: int) -> Picture:
    """Shrink so the longer side is at most max_side (never enlarges); (H, W, 3) -> (h, w, 3)."""
    h, w = picture.pixels.shape[:2]
    if max(h, w) <= max_side:
        return picture
    return Picture(
        _box_resize(picture.pixels, max_side),
        picture.source,
        picture.notes,
        picture.grayscale,
        picture.full_size or (w, h),
    )


def to_channels(picture: Picture, grayscale: bool) -> np.ndarray:
    """The image as a CNN sees it: (1, H, W) luminance, or (3, H, W) R, G, B."""
    if grayscale:
        return luminance(picture.pixels)[None]
    return picture.pixels.transpose(2, 0, 1).copy()
