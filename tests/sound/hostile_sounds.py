"""Hostile and awkward sound files, made here (never downloaded): name -> (bytes, what the reader must say)."""

from __future__ import annotations

import io

import numpy as np
import soundfile
from PIL import Image


def encoded(samples: np.ndarray, rate: int, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


def tone(seconds: float, rate: int, hz: float = 440.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.5 * np.sin(2 * np.pi * hz * t)
    return mono if channels == 1 else np.stack([mono] * channels, axis=1)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def corpus() -> dict[str, tuple[bytes, str]]:
    """Each file and a phrase the message must contain."""
    whole = encoded(tone(2.0, 16_000), 16_000)
    return {
        "zero bytes": (b"", "empty"),
        "a PNG renamed .wav": (png(), "not a sound"),
        "random bytes": (np.random.default_rng(0).bytes(5000), "not a sound"),
        "a WAV cut to its header": (whole[:44], "lasts 0 ms"),
        "ten minutes at 8 kHz": (encoded(np.zeros(10 * 60 * 8000, np.int16), 8000, subtype="PCM_16"), "10:00"),
        "an AIFF file": (encoded(tone(1.0, 16_000), 16_000, "AIFF"), "AIFF"),
        "silence": (encoded(np.zeros(16_000), 16_000), "silent"),
        "a rate of 1 Hz": (
            encoded(tone(2.0, 16_000), 16_000)[:24] + (1).to_bytes(4, "little") + whole[28:],
            "samples a second",
        ),
    }
