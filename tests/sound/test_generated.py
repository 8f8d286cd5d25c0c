"""Generated sounds: the same on every machine, each class what its name says, and the samples as labelled."""

from __future__ import annotations

import numpy as np
import pytest

from viz.sound.audio import RATE, Sound
from viz.sound.generated import SOUND_CLASSES, SOUND_SAMPLES, random_sound, random_sounds, sample_sound
from viz.sound.spectrogram import spectrogram


def test_a_seed_gives_the_same_sounds_and_classes_come_in_turn():
    a, labels = random_sounds(12, 1.0, seed=5)
    b, _ = random_sounds(12, 1.0, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert list(labels) == [i % len(SOUND_CLASSES) for i in range(12)]
    assert all(len(x) == RATE and x.dtype == np.float32 and np.isfinite(x).all() for x in a)


def _pitch_track(samples: np.ndarray) -> np.ndarray:
    """The loudest frequency (Hz) of each window that holds sound."""
    spec = spectrogram(Sound(samples, ""), 1024, 256)
    loud = spec.db.max(axis=0) > -3  # the columns where the sound itself is (not the background)
    return spec.freqs[spec.db.argmax(axis=0)][loud]


@pytest.mark.parametrize("kind", ["rising", "falling", "steady"])
def test_pitch_classes_move_as_their_names_say(kind):
    rng = np.random.default_rng(1)
    for _ in range(10):
        track = _pitch_track(random_sound(kind, 1.0, rng))
        first, last = np.median(track[:3]), np.median(track[-3:])
        if kind == "rising":
            assert last > 1.5 * first
        elif kind == "falling":
            assert first > 1.5 * last
        else:
            assert abs(last - first) <= 2 * RATE / 1024


def test_clicks_and_noise_spread_over_all_frequencies_and_a_chord_holds_several_notes():
    rng = np.random.default_rng(2)
    for kind in ("clicks", "noise"):
        spec = spectrogram(Sound(random_sound(kind, 1.0, rng), ""), 512, 128)
        loudest = spec.db[:, spec.db.mean(axis=0).argmax()]
        assert (loudest > -40).mean() > 0.5, kind  # the loudest moment is loud across most of the bands
    spec = spectrogram(sample_sound("chord"), 2048, 512)
    column = spec.db[:, spec.db.shape[1] // 2]
    peaks = [
        i
        for i in range(1, len(column) - 1)
        if column[i] > -6 and column[i] >= column[i - 1] and column[i] >= column[i + 1]
    ]
    assert len(peaks) == 4  # C, E, G and high C


def test_every_sample_is_a_short_playable_sound():
    for key in SOUND_SAMPLES:
        sound = sample_sound(key)
        assert 1.5 <= sound.seconds <= 4.0 and float(np.abs(sound.samples).max()) <= 1.0
