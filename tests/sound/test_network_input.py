"""What sound-net hears, and that it hears the samples as labelled."""

from __future__ import annotations

import numpy as np
import torch

from viz.models import load_model
from viz.sound.audio import RATE, Sound
from viz.sound.generated import SOUND_CLASSES, SOUND_SAMPLES, sample_sound
from viz.sound.network_input import NET_SAMPLES, NET_SHAPE, loudest_part, network_picture


def test_the_loudest_stretch_is_found_and_short_sounds_are_padded():
    samples = np.zeros(5 * RATE, np.float32)
    samples[3 * RATE : 3 * RATE + 8000] = 1.0
    part, start = loudest_part(samples)
    assert len(part) == NET_SAMPLES and part.sum() == 8000
    assert 3.0 - NET_SAMPLES / RATE <= start <= 3.0
    short, start = loudest_part(np.ones(1000, np.float32))
    assert len(short) == NET_SAMPLES and short.sum() == 1000 and start == 0.0


def test_the_picture_is_the_network_input_shape():
    picture, _ = network_picture(sample_sound("chord"))
    assert picture.shape == NET_SHAPE[1:] and picture.min() >= 0 and picture.max() == 1.0


def test_sound_net_names_every_labelled_sample():
    model = load_model("sound-net")
    for key, sample in SOUND_SAMPLES.items():
        if sample.sound_class is None:
            continue
        x = torch.from_numpy(network_picture(sample_sound(key))[0])[None, None]
        with torch.no_grad():
            assert SOUND_CLASSES[int(model(x).argmax())] == sample.sound_class, key


def test_a_recording_longer_than_the_network_reads_is_cut_at_its_loudest():
    quiet = np.random.default_rng(0).standard_normal(4 * RATE).astype(np.float32) * 0.001
    quiet[RATE : RATE + 4000] += np.sin(np.arange(4000) * 0.3).astype(np.float32)
    _, start = network_picture(Sound(quiet, "test"))
    assert 1.0 - NET_SAMPLES / RATE <= start <= 1.0
