"""Decoding sounds: every accepted format to one rate and one channel, and every hostile file explained."""

from __future__ import annotations

import numpy as np
import pytest

from tests.sound.hostile_sounds import corpus, encoded, tone
from viz.errors import ConvScopeError
from viz.sound.audio import RATE, decode_sound, resample, wav_bytes


def peak_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE)[spectrum.argmax()])


@pytest.mark.parametrize("fmt,subtype", [("WAV", "PCM_16"), ("WAV", "FLOAT"), ("FLAC", None), ("OGG", "VORBIS")])
@pytest.mark.parametrize("rate", [8_000, 16_000, 44_100, 48_000])
def test_formats_and_rates_come_out_at_one_rate_with_the_pitch_kept(fmt, subtype, rate):
    sound = decode_sound(encoded(tone(1.5, rate, 440.0), rate, fmt, subtype))
    assert sound.samples.dtype == np.float32 and sound.samples.ndim == 1
    assert abs(sound.seconds - 1.5) < 0.02
    assert abs(peak_hz(sound.samples) - 440.0) < 3
    assert sound.source.startswith({"WAV": "WAV", "FLAC": "FLAC", "OGG": "OGG"}[fmt])
    assert any("resampled" in n for n in sound.notes) == (rate != RATE)


def test_stereo_is_mixed_to_mono_and_said():
    left = tone(1.0, RATE, 300.0)
    right = tone(1.0, RATE, 300.0)
    sound = decode_sound(encoded(np.stack([left, right], axis=1), RATE, subtype="FLOAT"))
    np.testing.assert_allclose(sound.samples, left.astype(np.float32), atol=1e-6)
    assert "2 channels mixed to one" in sound.notes


def test_not_a_number_samples_become_zero():
    samples = tone(1.0, RATE)
    samples[100:200] = np.nan
    sound = decode_sound(encoded(samples, RATE, subtype="FLOAT"))
    assert np.isfinite(sound.samples).all() and any("not numbers" in n for n in sound.notes)


@pytest.mark.parametrize("name", list(corpus()))
def test_hostile_files_get_a_clear_message(name):
    data, says = corpus()[name]
    with pytest.raises(ConvScopeError) as caught:
        decode_sound(data)
    assert says in str(caught.value), str(caught.value)


def test_samples_far_beyond_full_scale_are_scaled_and_said():
    sound = decode_sound(encoded((tone(1.0, RATE) * 1e30).astype(np.float32), RATE, subtype="FLOAT"))
    assert float(np.abs(sound.samples).max()) <= 1.0 and any("scaled down" in n for n in sound.notes)
    assert abs(peak_hz(sound.samples) - 440.0) < 3


def test_resample_keeps_length_in_seconds():
    assert len(resample(np.zeros(44_100, np.float32), 44_100)) == RATE


def test_wav_bytes_read_back():
    sound = decode_sound(encoded(tone(0.5, RATE), RATE))
    again = decode_sound(wav_bytes(sound))
    np.testing.assert_allclose(again.samples, sound.samples, atol=1 / 16_000)
