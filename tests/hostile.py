"""A corpus of hostile and awkward image files, generated here (never downloaded).

Each entry: name -> (file bytes, expected), where expected is "ok" (decodes to
a correct picture) or "error" (a clear ConvScopeError message).
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _photo(w: int = 96, h: int = 64) -> Image.Image:
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), np.full_like(x, 128)], axis=2)
    return Image.fromarray(rgb.astype(np.uint8))


def png_with_bad_crc() -> bytes:
    data = bytearray(_save(_photo(), "PNG"))
    # The IHDR chunk's CRC sits at bytes 29..32; flip it.
    data[29] ^= 0xFF
    return bytes(data)


def decompression_bomb() -> bytes:
    """A tiny PNG that claims 20000×20000 pixels (400 megapixels)."""
    width = height = 20000
    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 16, 9)  # a few rows are enough: the header is checked first

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def exif_rotated_jpeg() -> bytes:
    """A 60 wide × 40 tall JPEG whose EXIF says 'rotate 90° clockwise to view' (orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return _save(_photo(60, 40), "JPEG", exif=exif)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "green", "blue")]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def multipage_tiff() -> bytes:
    pages = [Image.new("L", (30, 20), v) for v in (10, 200)]
    return _save(pages[0], "TIFF", save_all=True, append_images=pages[1:])


def corpus() -> dict[str, tuple[bytes, str]]:
    rng = np.random.default_rng(0)
    jpeg = _save(_photo(), "JPEG")
    sixteen = Image.fromarray((np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16))
    palette = Image.new("P", (32, 32), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    palette.paste(1, (8, 8, 24, 24))
    return {
        "zero-bytes.png": (b"", "error"),
        "random-bytes.png": (rng.bytes(4096), "error"),
        "truncated.jpg": (jpeg[: len(jpeg) // 3], "error"),
        "bad-crc.png": (png_with_bad_crc(), "error"),
        "bomb.png": (decompression_bomb(), "error"),
        "one-pixel.png": (_save(Image.new("RGB", (1, 1), (10, 20, 30)), "PNG"), "ok"),
        "strip-30000x5.png": (_save(Image.new("L", (30000, 5), 128), "PNG"), "error"),
        "gray-16bit.png": (_save(sixteen, "PNG"), "ok"),
        "cmyk.jpg": (_save(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG"), "ok"),
        "palette-transparent.png": (_save(palette, "PNG", transparency=0), "ok"),
        "animated.gif": (animated_gif(), "ok"),
        "multipage.tiff": (multipage_tiff(), "ok"),
        "exif-rotated.jpg": (exif_rotated_jpeg(), "ok"),
        "drawing.svg.png": (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
            "error",
        ),
        "page.html.jpg": (b"<!doctype html><html><body><script>alert(1)</script></body></html>", "error"),
        "script.sh.png": (b"#!/bin/sh\nrm -rf /\n", "error"),
        "photo.png": (_save(_photo(), "PNG"), "ok"),
        "photo.webp": (_save(_photo(), "WEBP"), "ok"),
        "photo.bmp": (_save(_photo(), "BMP"), "ok"),
    }
