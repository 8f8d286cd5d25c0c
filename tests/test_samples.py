import numpy as np
import pytest

from viz.samples import DIGIT_SAMPLES, GLYPH_SAMPLES, PHOTO_SAMPLES, SAMPLES, load_sample


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_every_sample_loads_offline_within_the_working_size(key):
    picture = load_sample(key, 256)
    assert picture.pixels.ndim == 3 and picture.pixels.shape[2] == 3
    assert max(picture.pixels.shape[:2]) <= 256
    assert np.isfinite(picture.pixels).all() and picture.pixels.std() > 0


def test_glyph_samples_keep_their_plus_minus_one_values():
    for key in ("x_lesson", "o_lesson", "x_drawn", "o_drawn"):
        assert set(np.unique(load_sample(key, 512).pixels)) == {-1.0, 1.0}


def test_sample_lists_name_real_samples():
    assert set(PHOTO_SAMPLES + GLYPH_SAMPLES + DIGIT_SAMPLES) <= set(SAMPLES)
