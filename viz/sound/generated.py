"""Sounds made by code, nothing downloaded: the page's samples, and sound-net's training sounds.

Each training sound is one of SOUND_CLASSES, with a random pitch, speed, length, loudness, timbre
and background noise, drawn from a seeded generator (so a dataset is the same on every machine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.signal import chirp, lfilter

from viz.sound.audio import RATE, Sound

SOUND_CLASSES = ("rising", "falling", "steady", "chord", "clicks", "noise")
CLASS_WORDS = {
    "rising": "a rising pitch (a chirp or glide upwards)",
    "falling": "a falling pitch",
    "steady": "a steady tone",
    "chord": "a chord (several notes at once)",
    "clicks": "a train of clicks",
    "noise": "bursts of noise",
}


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(round(seconds * RATE))) / RATE


def _fade(n: int, ms: float = 10.0) -> np.ndarray:
    """1 in the middle, ramping from 0 over `ms` at each end: no clicks where a tone starts or stops."""
    ramp = min(n // 2, int(RATE * ms / 1000))
    env = np.ones(n)
    if ramp:
        env[:ramp] = np.linspace(0, 1, ramp)
        env[-ramp:] = np.linspace(1, 0, ramp)
    return env


def _tone(freqs: np.ndarray | float, seconds: float, harmonics: tuple[float, ...] = ()) -> np.ndarray:
    """A tone following freqs (Hz, constant or one per sample), with harmonics at the given strengths."""
    n = len(_t(seconds))
    f = np.broadcast_to(np.asarray(freqs, np.float64), (n,))
    phase = 2 * np.pi * np.cumsum(f) / RATE
    out = np.sin(phase)
    for k, strength in enumerate(harmonics, start=2):
        out += strength * np.sin(k * phase) * (k * f < RATE / 2)
    return out * _fade(n)


def _clicks(seconds: float, per_second: float, decay_ms: float = 3.0, rng: np.random.Generator | None = None):
    n = len(_t(seconds))
    out = np.zeros(n)
    pulse_n = int(RATE * decay_ms * 4 / 1000)
    rng = rng or np.random.default_rng(0)
    pulse = rng.standard_normal(pulse_n) * np.exp(-np.arange(pulse_n) / (RATE * decay_ms / 1000))
    for start in np.arange(0.02, seconds - decay_ms * 4 / 1000, 1 / per_second):
        i = int(start * RATE)
        out[i : i + pulse_n] += pulse[: n - i]
    return out


def _noise(n: int, rng: np.random.Generator, colour: str = "white") -> np.ndarray:
    white = rng.standard_normal(n)
    if colour == "pink":  # Paul Kellet's economy filter: about −3 dB an octave
        return lfilter(
            [0.049922035, -0.095993537, 0.050612699, -0.004408786], [1, -2.494956002, 2.017265875, -0.522189400], white
        )
    if colour == "low":
        return lfilter([0.05], [1, -0.95], white)
    return white


def _normalized(x: np.ndarray, peak: float = 0.8) -> np.ndarray:
    return (x * (peak / max(float(np.abs(x).max()), 1e-9))).astype(np.float32)


# ---------------------------------------------------------------- the page's samples
@dataclass(frozen=True)
class SoundSample:
    key: str
    label: str
    make: Callable[[], np.ndarray]
    sound_class: str | None  # what sound-net should call it, when it is one of its classes


def _whistled_tune() -> np.ndarray:
    """'Twinkle, twinkle' whistled: notes around 1–2 kHz, gliding into each other, with vibrato."""
    notes = [0, 0, 7, 7, 9, 9, 7, None, 5, 5, 4, 4, 2, 2, 0]
    beat = 0.22
    target = np.concatenate([np.full(int(beat * RATE), 1046.5 * 2 ** ((n or 0) / 12)) for n in notes])
    glide = lfilter([0.004], [1, -0.996], target - target[0]) + target[0]  # a whistler slides between notes
    vibrato = 1 + 0.006 * np.sin(2 * np.pi * 5.5 * np.arange(len(target)) / RATE)
    loud = np.concatenate(
        [(0.0 if n is None else 1.0) * _fade(int(beat * RATE), 25) for n in notes]
    )  # a breath for the rest
    return _normalized(_tone(glide * vibrato, len(target) / RATE, (0.05,)) * loud)


SOUND_SAMPLES: dict[str, SoundSample] = {
    s.key: s
    for s in (
        SoundSample(
            "rising",
            "Rising chirp (200 Hz → 5 kHz in 2 s)",
            lambda: _normalized(chirp(_t(2.0), 200, 2.0, 5000) * _fade(len(_t(2.0)))),
            "rising",
        ),
        SoundSample(
            "falling",
            "Falling chirp (5 kHz → 200 Hz in 2 s)",
            lambda: _normalized(chirp(_t(2.0), 5000, 2.0, 200) * _fade(len(_t(2.0)))),
            "falling",
        ),
        SoundSample(
            "steady", "Steady tone (A, 440 Hz, 2 s)", lambda: _normalized(_tone(440.0, 2.0, (0.3, 0.1))), "steady"
        ),
        SoundSample(
            "chord",
            "Chord (C major: C, E, G, high C)",
            lambda: _normalized(sum(_tone(f, 2.0) for f in (261.6, 329.6, 392.0, 523.3))),
            "chord",
        ),
        SoundSample("clicks", "Click train (8 a second)", lambda: _normalized(_clicks(2.0, 8.0)), "clicks"),
        SoundSample(
            "noise",
            "Noise bursts (four of 0.2 s)",
            lambda: _normalized(
                _noise(len(_t(2.0)), np.random.default_rng(3))
                * np.repeat([1.0, 0, 1, 0, 1, 0, 1, 0, 0, 0], len(_t(0.2)))
            ),
            "noise",
        ),
        SoundSample("tune", "Whistled tune (made by code)", _whistled_tune, None),
    )
}
DEFAULT_SOUND = "rising"


def sample_sound(key: str) -> Sound:
    sample = SOUND_SAMPLES[key]
    return Sound(sample.make(), "generated sample")


# ---------------------------------------------------------------- random training sounds
_CHORDS = ((1, 5 / 4, 3 / 2), (1, 6 / 5, 3 / 2), (1, 4 / 3, 3 / 2), (1, 5 / 4, 3 / 2, 15 / 8), (1, 5 / 4, 3 / 2, 2))


def random_sound(kind: str, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """One sound of class `kind`, `seconds` long, with random pitch, speed, timing, loudness and noise."""
    n = len(_t(seconds))
    span = rng.uniform(0.55, 1.0) * seconds  # how long the sound itself lasts within the clip
    start = int(rng.uniform(0, seconds - span) * RATE)
    harmonics = tuple(rng.uniform(0, 0.4, rng.integers(0, 3)))
    if kind in ("rising", "falling"):
        low = rng.uniform(150, 2000)
        high = min(low * rng.uniform(2.0, 8.0), 7000)
        f0, f1 = (low, high) if kind == "rising" else (high, low)
        t = _t(span)
        if rng.random() < 0.5:
            freqs = f0 * (f1 / f0) ** (t / span)  # even steps in pitch
        else:
            freqs = f0 + (f1 - f0) * t / span  # even steps in hertz
        sound = _tone(freqs, span, harmonics)
    elif kind == "steady":
        f = rng.uniform(150, 4000)
        vibrato = 1 + rng.uniform(0, 0.004) * np.sin(2 * np.pi * rng.uniform(4, 7) * _t(span))
        sound = _tone(f * vibrato, span, harmonics)
    elif kind == "chord":
        ratios = _CHORDS[rng.integers(len(_CHORDS))]
        base = rng.uniform(130, 900)
        sound = sum(rng.uniform(0.5, 1.0) * _tone(base * r, span) for r in ratios)
    elif kind == "clicks":
        sound = _clicks(span, rng.uniform(3, 25), rng.uniform(1, 5), rng)
    elif kind == "noise":
        sound = np.zeros(len(_t(span)))
        for _ in range(rng.integers(1, 4)):
            length = int(rng.uniform(0.1, 0.5) * RATE)
            at = int(rng.integers(0, max(1, len(sound) - length)))
            colour = ("white", "pink", "low")[rng.integers(3)]
            sound[at : at + length] += (
                _noise(length, rng, colour)[: len(sound) - at] * _fade(length, 20)[: len(sound) - at]
            )
    else:
        raise ValueError(f"unknown sound class {kind!r}")
    clip = np.zeros(n)
    clip[start : start + len(sound)] = sound[: n - start]
    clip = _normalized(clip, rng.uniform(0.05, 1.0)).astype(np.float64)
    rms = np.sqrt(np.mean(clip**2)) + 1e-9
    background = _noise(n, rng, ("white", "pink")[rng.integers(2)])
    background *= rms / (np.sqrt(np.mean(background**2)) + 1e-9) * 10 ** (-rng.uniform(10, 40) / 20)
    return (clip + background).astype(np.float32)


def random_sounds(count: int, seconds: float, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """`count` sounds, classes in turn, from one seeded generator; (sounds, labels)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(SOUND_CLASSES)
    return [random_sound(SOUND_CLASSES[y], seconds, rng) for y in labels], labels.astype(np.int64)
