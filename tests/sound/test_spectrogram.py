"""Spectrograms: the shape formula, where a tone's energy lands, decibels, mel bands, and what the filters see."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate2d

from viz.errors import ConvScopeError
from viz.kernels import KERNELS
from viz.sound.audio import RATE, Sound
from viz.sound.generated import sample_sound
from viz.sound.spectrogram import (
    FLOOR_DB,
    HOPS,
    MEL_BANDS,
    WINDOWS,
    hz_to_mel,
    mel_filters,
    mel_to_hz,
    shape_of,
    shape_sentence,
    spectrogram,
)


def tone(hz: float, seconds: float = 1.0) -> Sound:
    return Sound((0.5 * np.sin(2 * np.pi * hz * np.arange(int(seconds * RATE)) / RATE)).astype(np.float32), "test")


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("hop", HOPS)
@pytest.mark.parametrize("samples", [2048, 16_000, 32_000, 32_777])
def test_the_shape_formula_is_the_computed_shape(window, hop, samples):
    sound = Sound(np.random.default_rng(samples).standard_normal(samples).astype(np.float32), "noise")
    assert spectrogram(sound, window, hop).shape == shape_of(samples, window, hop)
    assert spectrogram(sound, window, hop, mel=True).shape == shape_of(samples, window, hop, MEL_BANDS)
    # the formula written out, by hand: window // 2 + 1 rows, 1 + ⌊(N − W) / H⌋ columns
    assert shape_of(samples, window, hop) == (window // 2 + 1, 1 + (samples - window) // hop)


def test_the_sentence_states_the_issue_example():
    assert shape_sentence(32_000, 512, 128).endswith("→ 257 × 247 (frequency rows × time columns)")
    assert shape_sentence(32_000, 512, 128).startswith("2.00 s at 16 kHz, 512-sample windows (32 ms), hop 128")


@pytest.mark.parametrize("hz", [250.0, 440.0, 1000.0, 3150.0, 6000.0])
def test_a_pure_tone_lands_in_its_frequency_row(hz):
    spec = spectrogram(tone(hz), 512, 128)
    loudest_rows = spec.db.argmax(axis=0)
    bin_width = RATE / 512
    assert np.all(np.abs(spec.freqs[loudest_rows] - hz) <= bin_width / 2 + 1e-6)
    assert spec.db.max() == 0.0 and spec.db.min() >= -FLOOR_DB
    mel = spectrogram(tone(hz), 512, 128, mel=True)
    band = int(np.bincount(mel.db.argmax(axis=0)).argmax())
    neighbours = mel.freqs[max(0, band - 1) : band + 2]
    assert neighbours.min() <= hz <= neighbours.max()


def test_the_picture_puts_high_pitches_at_the_top_in_zero_to_one():
    spec = spectrogram(tone(6000.0), 512, 128)
    picture = spec.picture()
    assert picture.min() >= 0 and picture.max() == 1.0
    row = int(picture.mean(axis=1).argmax())
    assert row == picture.shape[0] - 1 - int(spec.db.mean(axis=1).argmax())
    assert row == 256 - round(6000 / (RATE / 512))  # 6 kHz is row 192 from the bottom, 64 from the top


def test_mel_scale_round_trips_and_filters_cover_every_band():
    hz = np.array([0.0, 100.0, 1000.0, 7999.0])
    np.testing.assert_allclose(mel_to_hz(hz_to_mel(hz)), hz, atol=1e-6)
    assert abs(float(hz_to_mel(1000.0)) - 1000.0) < 0.5  # the scale is built so that 1 kHz is 1000 mel
    for window in WINDOWS:
        filters = mel_filters(window)
        assert filters.shape == (MEL_BANDS, window // 2 + 1)
        assert (filters.max(axis=1) > 0).all() and filters.max() <= 1.0


def test_too_short_a_sound_or_an_unknown_setting_is_explained():
    with pytest.raises(ConvScopeError, match="fewer than one 2048-sample window"):
        spectrogram(tone(440.0, 0.1), 2048, 128)
    with pytest.raises(ConvScopeError, match="Windows are"):
        spectrogram(tone(440.0), 500, 128)


def _strongest(picture: np.ndarray, key: str) -> float:
    """The filter's largest response, by SciPy's cross-correlation (not the app's own convolution)."""
    return float(correlate2d(picture, KERNELS[key].weights, mode="valid").max())


def test_a_rising_chirp_answers_the_rising_filter_most():
    """At the page's settings, of the four Sound filters (each scoring at most 5 on its ideal pattern), the
    rising diagonal answers the rising chirp most; likewise each sample finds its own filter."""
    filters = ("sound_rising", "sound_falling", "sound_steady", "sound_onset")
    expected = {
        "rising": "sound_rising",
        "falling": "sound_falling",
        "steady": "sound_steady",
        "chord": "sound_steady",  # its notes are steady lines
        "clicks": "sound_onset",
        "noise": "sound_onset",  # bursts start at every frequency at once
    }
    for sample, best in expected.items():
        picture = spectrogram(sample_sound(sample), 512, 128).picture()
        scores = {k: _strongest(picture, k) for k in filters}
        assert max(scores, key=scores.get) == best, (sample, scores)


def test_each_sound_filter_scores_five_on_its_ideal_pattern():
    """By hand: a one-cell line of 1s on 0s for the pitch filters, a sharp step from 0 to 1 for the onset."""
    diagonal = np.eye(5, dtype=np.float32)
    ideal = {
        "sound_rising": diagonal[::-1],
        "sound_falling": diagonal,
        "sound_steady": np.pad(np.ones((1, 5), np.float32), ((2, 2), (0, 0))),
        "sound_onset": np.repeat([[0, 0, 0, 1, 1]], 5, axis=0).astype(np.float32),
    }
    for key, patch in ideal.items():
        assert float((KERNELS[key].weights * patch).sum()) == 5.0, key


def test_a_spectrogram_too_large_to_draw_is_refused_before_it_is_computed():
    long = Sound(np.zeros(30 * RATE, np.float32) + 0.1, "test")
    with pytest.raises(ConvScopeError, match="1,025 × 14,937 spectrogram"):
        spectrogram(long, 2048, 32)
    assert spectrogram(long, 512, 32).shape == (257, 14_985)  # the longest the page allows at 512 samples


def test_the_scale_of_the_samples_does_not_matter():
    """Decibels below the loudest cell: a sound and the same sound 10^30 times louder give one picture."""
    quiet = tone(440.0)
    loud = Sound(quiet.samples * np.float32(1e30), "test")
    np.testing.assert_allclose(spectrogram(loud, 512, 128).db, spectrogram(quiet, 512, 128).db, atol=1e-3)
    assert np.isfinite(spectrogram(loud, 512, 128, mel=True).db).all()
