"""What sound-net hears: the loudest second of a sound, as a 64 × 64 mel spectrogram in [0, 1]."""

from __future__ import annotations

import numpy as np

from viz.sound.audio import RATE, Sound
from viz.sound.spectrogram import MEL_BANDS, spectrogram

NET_WINDOW, NET_HOP, NET_FRAMES = 512, 256, 64
NET_SAMPLES = NET_WINDOW + (NET_FRAMES - 1) * NET_HOP  # 16,640 samples: 1.04 s
NET_SHAPE = (1, MEL_BANDS, NET_FRAMES)
NET_NOTE = (
    f"The loudest {NET_SAMPLES / RATE:.2f} s of the sound (shorter sounds padded with silence), as a mel "
    f"spectrogram: {NET_WINDOW}-sample windows, hop {NET_HOP}, {MEL_BANDS} mel bands × {NET_FRAMES} time columns; "
    "0 = 80 dB below its loudest cell, 1 = the loudest."
)


def loudest_part(samples: np.ndarray) -> tuple[np.ndarray, float]:
    """The NET_SAMPLES-long stretch with the most energy (stepping by one hop), and where it starts (s)."""
    if len(samples) <= NET_SAMPLES:
        return np.pad(samples, (0, NET_SAMPLES - len(samples))).astype(np.float32), 0.0
    energy = np.concatenate([[0.0], np.cumsum(samples.astype(np.float64) ** 2)])
    starts = np.arange(0, len(samples) - NET_SAMPLES + 1, NET_HOP)
    best = int(starts[np.argmax(energy[starts + NET_SAMPLES] - energy[starts])])
    return samples[best : best + NET_SAMPLES].astype(np.float32), best / RATE


def network_picture(sound: Sound) -> tuple[np.ndarray, float]:
    """(64, 64) in [0, 1], high frequencies at the top, and the start (s) of the part it shows."""
    part, start = loudest_part(sound.samples)
    return spectrogram(Sound(part, sound.source), NET_WINDOW, NET_HOP, mel=True).picture(), start


def network_pictures(sounds: list[np.ndarray]) -> np.ndarray:
    """(N, 1, 64, 64) float32 network inputs of NET_SAMPLES-long sounds."""
    return np.stack([network_picture(Sound(s, ""))[0][None] for s in sounds]).astype(np.float32)
