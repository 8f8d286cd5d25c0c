"""Sounds: decoded from an upload or a recording in memory, mixed to mono and resampled to one rate.

Nothing is written to disk or logged. A file is checked before it is read: its format must be one
the page advertises, and it may last at most MAX_SECONDS (read no further than that, whatever the
header claims). Every failure is a ConvScopeError that says what to do.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from math import gcd

import numpy as np
import soundfile
from scipy.signal import resample_poly

from viz.errors import ConvScopeError
from viz.workers import decoders, run_in

RATE = 16_000  # samples per second, of every sound the pages use
MAX_SECONDS = 30.0
MIN_SECONDS = 0.1
MAX_SOUND_MB = 25
# What the page advertises; libsndfile could read more (AIFF, MP3, …), but those are refused by name.
SOUND_FORMATS = {"WAV": "WAV", "WAVEX": "WAV", "RF64": "WAV", "FLAC": "FLAC", "OGG": "OGG"}
SOUND_TYPES = ("wav", "flac", "ogg", "oga")
MIN_FILE_RATE, MAX_FILE_RATE = 4_000, 192_000


@dataclass(frozen=True)
class Sound:
    """A mono sound at RATE: float32 samples (about −1 to 1), and what was done to get them."""

    samples: np.ndarray
    source: str  # "WAV 44.1 kHz stereo, 2.0 s", "generated", …
    notes: tuple[str, ...] = field(default=())

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def resample(samples: np.ndarray, rate: int) -> np.ndarray:
    """(N,) at rate -> (M,) at RATE, by polyphase filtering (scipy), float32."""
    if rate == RATE:
        return samples.astype(np.float32)
    g = gcd(RATE, rate)
    return resample_poly(samples, RATE // g, rate // g).astype(np.float32)


def duration_text(seconds: float) -> str:
    """'2.0 s', or '10:00' for long ones."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def decode_sound(data: bytes | memoryview) -> Sound:
    """An uploaded or recorded WAV, FLAC or OGG file -> Sound; a ConvScopeError for anything else.

    The decode waits for one of the server's few decode slots (viz.workers), as image decodes do.
    """
    if len(data) == 0:
        raise ConvScopeError("The sound file is empty (0 bytes). Record again or choose another file.")
    if len(data) > MAX_SOUND_MB * 1024 * 1024:
        raise ConvScopeError(f"The sound file is larger than {MAX_SOUND_MB} MB. Choose a shorter sound.")
    return run_in(decoders, _decode, data)


def _decode(data: bytes | memoryview) -> Sound:
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as file:
            kind = SOUND_FORMATS.get(file.format)
            if kind is None:
                raise ConvScopeError(
                    f"This is a {file.format} sound; ConvScope reads WAV, FLAC and OGG. Convert it to one of those."
                )
            rate, channels, frames = file.samplerate, file.channels, file.frames
            if not MIN_FILE_RATE <= rate <= MAX_FILE_RATE:
                raise ConvScopeError(
                    f"The file says it has {rate:,} samples a second; a sound file has "
                    f"{MIN_FILE_RATE:,} to {MAX_FILE_RATE:,}. The file is probably damaged."
                )
            if frames > MAX_SECONDS * rate:
                raise ConvScopeError(
                    f"This sound lasts {duration_text(frames / rate)}; ConvScope takes up to {MAX_SECONDS:.0f} s. "
                    "Trim it (or record a few seconds) and try again."
                )
            # Never more than MAX_SECONDS, whatever the header said.
            samples = file.read(frames=int(MAX_SECONDS * rate), dtype="float32", always_2d=True)
    except ConvScopeError:
        raise
    except (soundfile.SoundFileError, RuntimeError, ValueError, EOFError, MemoryError):
        raise ConvScopeError(
            "This file is not a sound ConvScope can read (it may be damaged, or an image or another file "
            "renamed). Choose a WAV, FLAC or OGG sound."
        ) from None
    notes = []
    if not np.isfinite(samples).all():
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
        notes.append("values that were not numbers set to 0")
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak > 1.0:  # a float file may hold any values; 1e30 would overflow the spectrum's squares
        samples = samples / np.float32(peak)
        notes.append(f"louder than full scale (peak {peak:.3g}): scaled down to fit")
    mono = samples.mean(axis=1) if channels > 1 else samples[:, 0]
    if channels > 1:
        notes.append(f"{channels} channels mixed to one")
    if rate != RATE:
        notes.append(f"resampled from {rate / 1000:g} to {RATE / 1000:g} kHz")
    return checked(Sound(resample(mono, rate), f"{kind}, {duration_text(len(mono) / rate)}", tuple(notes)))


def checked(sound: Sound) -> Sound:
    """The sound, if it is long enough and not silent; else a ConvScopeError."""
    if sound.seconds < MIN_SECONDS:
        raise ConvScopeError(
            f"This sound lasts {sound.seconds * 1000:.0f} ms; the spectrogram needs at least "
            f"{MIN_SECONDS * 1000:.0f} ms. Record a little longer."
        )
    if float(np.abs(sound.samples).max()) < 1e-5:
        raise ConvScopeError("This sound is silent: every sample is (almost) zero. Check the microphone and try again.")
    return sound


def wav_bytes(sound: Sound) -> bytes:
    """The sound as a 16-bit WAV file, in memory (to play it back in the page or download it)."""
    buffer = io.BytesIO()
    peak = max(1.0, float(np.abs(sound.samples).max()))
    soundfile.write(buffer, sound.samples / peak, RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
