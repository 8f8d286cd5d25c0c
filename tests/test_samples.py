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


def test_the_curve_detector_answers_to_thin_rings_and_the_zero_mean_one_ignores_flat_areas():
    from viz.images import to_channels
    from viz.kernels import KERNELS
    from viz.ops import ConvSettings, conv2d
    from viz.samples import load_sample

    rings = to_channels(load_sample("rings", 512), grayscale=True)
    response = conv2d(rings, KERNELS["curve"].weights[None, None], ConvSettings())[0]
    assert (response > 0.5 * response.max()).mean() < 0.05  # a few sharp peaks on the arcs, not a blur
    flat = np.ones((1, 20, 20), np.float32)
    assert np.allclose(conv2d(flat, KERNELS["curve_zero_mean"].weights[None, None], ConvSettings()), 0, atol=1e-3)


def test_a_32_by_32_colour_photo_gives_a_28_by_28_map_with_a_5_by_5_by_3_kernel():
    from viz.images import to_channels
    from viz.ops import ConvSettings, conv2d
    from viz.samples import load_sample

    photo = to_channels(load_sample("chelsea_32", 512), grayscale=False)
    assert photo.shape == (3, 32, 32)
    assert conv2d(photo, np.ones((1, 3, 5, 5), np.float32), ConvSettings()).shape == (1, 28, 28)
