"""A sound as a picture: its spectrogram, time across and frequency up, on a decibel scale.

The sound is cut into windows of `window` samples, one every `hop` samples (only windows that
fit wholly inside the sound); each is tapered by a Hann window and its power spectrum taken
(scipy.fft.rfft). That gives window // 2 + 1 frequency rows from 0 Hz to half the sample rate, and
1 + ⌊(N − window) / hop⌋ time columns. Optionally the rows are pooled into mel bands (triangular
filters evenly spaced on the mel scale, as hearing spaces pitches). Power becomes decibels below
the loudest cell, floored at FLOOR_DB: in the picture, 0 is FLOOR_DB below the loudest and 1 the loudest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.fft import rfft
from scipy.signal import get_window

from viz.errors import ConvScopeError
from viz.sound.audio import RATE, Sound

FLOOR_DB = 80.0
WINDOWS = (128, 256, 512, 1024, 2048)
HOPS = (32, 64, 128, 256, 512)
MEL_BANDS = 64
MEL_FMIN = 50.0
# 16 MB of float32 decibels: a 30 s sound at 512-sample windows and hop 32 fits; 2048 at hop 32 does not.
MAX_CELLS = 4_000_000
LAYER_COLUMNS = 1024  # time columns the filter layer reads (a 30 s sound at hop 32 has 15,000)
CHUNK_FRAMES = 1024  # windows transformed at a time, so a long sound never holds all its spectra twice


@dataclass(frozen=True)
class Spectrogram:
    """(F, T) decibels below the loudest cell, row 0 the lowest frequency."""

    db: np.ndarray
    freqs: np.ndarray  # (F,) Hz: each row's frequency (a mel band's centre)
    times: np.ndarray  # (T,) s: each column's window centre
    window: int
    hop: int
    mel: bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.db.shape

    def picture(self) -> np.ndarray:
        """(F, T) in [0, 1], high frequencies at the top (row 0): the picture the filters read."""
        return np.ascontiguousarray(((self.db + FLOOR_DB) / FLOOR_DB)[::-1]).astype(np.float32)


def shape_of(samples: int, window: int, hop: int, mel_bands: int | None = None) -> tuple[int, int]:
    """(frequency rows, time columns) of the spectrogram of `samples` samples."""
    if samples < window:
        raise ConvScopeError(
            f"The sound has {samples:,} samples, fewer than one {window}-sample window: pick a shorter window."
        )
    return (mel_bands or window // 2 + 1), 1 + (samples - window) // hop


def shape_sentence(samples: int, window: int, hop: int, mel_bands: int | None = None) -> str:
    """'2.0 s at 16 kHz, 512-sample windows, hop 128 → 257 × 247 (frequency rows × time columns)'."""
    rows, cols = shape_of(samples, window, hop, mel_bands)
    bands = f", pooled into {mel_bands} mel bands" if mel_bands else ""
    return (
        f"{samples / RATE:.2f} s at {RATE / 1000:g} kHz, {window}-sample windows ({window / RATE * 1000:g} ms), "
        f"hop {hop}{bands} → {rows} × {cols} (frequency rows × time columns)"
    )


def hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filters(window: int, bands: int = MEL_BANDS, fmin: float = MEL_FMIN, fmax: float = RATE / 2) -> np.ndarray:
    """(bands, window // 2 + 1) triangular filters, evenly spaced on the mel scale, each peaking at 1.

    A band narrower than the spacing of the frequency rows still takes its nearest row, so no band is empty.
    """
    bins = np.fft.rfftfreq(window, 1.0 / RATE)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), bands + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None] - lower) / (centre - lower)
    falling = (upper - bins[None]) / (upper - centre)
    filters = np.clip(np.minimum(rising, falling), 0.0, None)
    empty = filters.max(axis=1) == 0
    filters[empty, np.abs(bins[None] - centre[empty]).argmin(axis=1)] = 1.0
    return filters.astype(np.float32)


def power_spectrogram(samples: np.ndarray, window: int, hop: int) -> np.ndarray:
    """(window // 2 + 1, T) power of each Hann-tapered window's spectrum."""
    frames = sliding_window_view(np.asarray(samples, np.float32), window)[::hop]  # a view: nothing copied
    taper = get_window("hann", window, fftbins=True).astype(np.float32)
    out = np.empty((window // 2 + 1, len(frames)), np.float32)
    for start in range(0, len(frames), CHUNK_FRAMES):
        chunk = rfft(frames[start : start + CHUNK_FRAMES] * taper, axis=1)
        out[:, start : start + len(chunk)] = (chunk.real**2 + chunk.imag**2).T
    return out


def spectrogram(sound: Sound, window: int = 512, hop: int = 128, mel: bool = False) -> Spectrogram:
    """The sound's spectrogram in decibels below its loudest cell (floored at FLOOR_DB)."""
    if window not in WINDOWS or hop not in HOPS:
        raise ConvScopeError(f"Windows are {', '.join(map(str, WINDOWS))} samples; hops {', '.join(map(str, HOPS))}.")
    rows, cols = shape_of(len(sound.samples), window, hop)  # at least one window, or a clear message
    if rows * cols > MAX_CELLS:
        raise ConvScopeError(
            f"A {window}-sample window at hop {hop} would cut this {sound.seconds:.1f} s sound into a "
            f"{rows:,} × {cols:,} spectrogram, more than ConvScope draws ({MAX_CELLS:,} cells). "
            "Choose a longer hop or a shorter window."
        )
    # Decibels are relative to the loudest cell, so the scale of the samples does not matter: bring them to a
    # peak of 1 first, so no square overflows float32 whatever a sound holds.
    peak = float(np.abs(sound.samples).max())
    power = power_spectrogram(sound.samples / np.float32(peak) if peak > 0 else sound.samples, window, hop)
    freqs = np.fft.rfftfreq(window, 1.0 / RATE)
    if mel:
        power = mel_filters(window) @ power
        freqs = mel_to_hz(np.linspace(hz_to_mel(MEL_FMIN), hz_to_mel(RATE / 2), MEL_BANDS + 2))[1:-1]
    db = 10.0 * np.log10(np.maximum(power, 1e-12) / max(float(power.max()), 1e-12))
    times = (np.arange(power.shape[1]) * hop + window / 2) / RATE
    return Spectrogram(np.maximum(db, -FLOOR_DB).astype(np.float32), freqs.astype(np.float32), times, window, hop, mel)
