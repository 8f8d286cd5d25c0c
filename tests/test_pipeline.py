import numpy as np
import pytest

from tests.reference import conv2d_loops, pool2d_loops
from viz.errors import ConvScopeError
from viz.glyphs import draw_glyph
from viz.kernels import KERNELS
from viz.ops import ConvSettings, PoolSettings
from viz.pipeline import as_kernel_stack, run_pipeline, shape_label

NORMALIZED = ConvSettings(normalized=True)
POOL = PoolSettings("max", 2, 2)


@pytest.mark.parametrize("key", ["xo_diagonal_down", "xo_diagonal_up", "xo_cross"])
def test_xo_feature_scores_one_on_itself_and_minus_one_on_its_negative(key):
    feature = KERNELS[key].weights
    assert run_pipeline(
        feature[None], feature, "grayscale", NORMALIZED, PoolSettings("max", 1, 1)
    ).feature.item() == pytest.approx(1.0)
    assert run_pipeline(
        -feature[None], feature, "grayscale", NORMALIZED, PoolSettings("max", 1, 1)
    ).feature.item() == pytest.approx(-1.0)


def test_x_glyph_matches_the_diagonal_feature_on_its_strokes():
    x = draw_glyph("X", 9)
    result = run_pipeline(x[None], KERNELS["xo_diagonal_down"].weights, "grayscale", NORMALIZED, POOL)
    assert result.feature.shape == (1, 7, 7)
    # The ↘ stroke runs along the main diagonal: a perfect match there, except at the crossing.
    assert result.feature[0, 1, 1] == pytest.approx(1.0)  # patch rows 1–3, columns 1–3
    assert result.feature.max() == pytest.approx(1.0)
    assert result.feature.min() >= -1.0


def test_per_channel_mode_gives_one_map_per_colour():
    rng = np.random.default_rng(1)
    image = rng.random((3, 12, 10)).astype(np.float32)
    kernel = rng.normal(size=(3, 3)).astype(np.float32)
    result = run_pipeline(image, kernel, "per_channel", ConvSettings(2, 1), POOL)
    assert result.feature.shape == (3, 6, 5)
    for c in range(3):
        expected = conv2d_loops(image[c : c + 1], kernel[None, None], 2, 1)[0]
        np.testing.assert_allclose(result.feature[c], expected, rtol=1e-4, atol=1e-5)


def test_3d_kernel_gives_one_map_summed_over_channels():
    rng = np.random.default_rng(2)
    image = rng.random((3, 9, 9)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 3)).astype(np.float32)
    result = run_pipeline(image, kernel, "3d", ConvSettings(), POOL)
    assert result.feature.shape == (1, 7, 7)
    np.testing.assert_allclose(result.feature, conv2d_loops(image, kernel[None], 1, 0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(result.pooled, pool2d_loops(result.rectified, 2, 2, "max"), rtol=1e-6)


def test_2d_preset_in_3d_mode_matches_grayscale_on_a_gray_image():
    gray = np.random.default_rng(3).random((1, 10, 10)).astype(np.float32)
    kernel = KERNELS["sobel_vertical"].weights
    flat = run_pipeline(gray, kernel, "grayscale", ConvSettings(), POOL).feature
    spread = run_pipeline(np.repeat(gray, 3, 0), kernel, "3d", ConvSettings(), POOL).feature
    np.testing.assert_allclose(flat, spread, rtol=1e-5, atol=1e-6)


def test_3d_kernel_outside_3d_mode_is_refused():
    with pytest.raises(ConvScopeError):
        as_kernel_stack(np.zeros((3, 3, 3), np.float32), "grayscale")


def test_relu_share_and_shapes():
    image = np.array([[[0, 0, 1, 1]] * 4], dtype=np.float32)
    result = run_pipeline(
        image, np.array([[-1, 1]], np.float32).repeat(2, 0) / 2, "grayscale", ConvSettings(), PoolSettings("max", 2, 1)
    )
    assert shape_label(result.feature) == "3×3"
    assert 0 <= result.relu_zeroed <= 1
    assert (result.rectified >= 0).all()


def test_a_layer_of_filters_each_with_its_bias_matches_the_loops():
    """CS231n's layer: a 3-channel input, filters spanning all channels (3-D), one bias per filter."""
    rng = np.random.default_rng(4)
    image = rng.integers(0, 3, (3, 5, 5)).astype(np.float32)
    bank = rng.integers(-1, 2, (2, 3, 3, 3)).astype(np.float32)
    result = run_pipeline(image, bank, "3d", ConvSettings(2, 1), POOL, biases=(1.0, 0.0))
    assert result.feature.shape == (2, 3, 3) and result.map_names == ("filter 1", "filter 2")
    np.testing.assert_allclose(result.feature, conv2d_loops(image, bank, 2, 1, (1.0, 0.0)), atol=1e-5)


def test_per_channel_maps_are_filter_major_and_named():
    rng = np.random.default_rng(5)
    image = rng.random((3, 6, 6)).astype(np.float32)
    bank = [rng.normal(size=(2, 2)).astype(np.float32) for _ in range(2)]
    result = run_pipeline(image, bank, "per_channel", ConvSettings(), POOL, biases=(0.5, -0.5))
    assert result.map_names == (
        "filter 1 · R",
        "filter 1 · G",
        "filter 1 · B",
        "filter 2 · R",
        "filter 2 · G",
        "filter 2 · B",
    )
    for m in range(6):
        f, c = result.filter_of(m), result.input_channels_of(m)[0]
        assert (f, c) == divmod(m, 3)
        expected = conv2d_loops(image[c : c + 1], bank[f][None, None], 1, 0, result.biases[f])[0]
        np.testing.assert_allclose(result.feature[m], expected, atol=1e-5)


def test_relu_off_passes_the_signed_map_to_pooling():
    """CS231n's max-pool check on a signed map needs ReLU off."""
    image = np.array([[[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]], np.float32)
    result = run_pipeline(-image, np.ones((1, 1), np.float32), "grayscale", ConvSettings(), POOL, relu_on=False)
    np.testing.assert_array_equal(result.rectified, -image)
    np.testing.assert_array_equal(result.pooled[0], [[-1, -2], [-1, 0]])
    assert result.relu_zeroed == 0.0


def test_3d_mode_on_a_typed_two_channel_input():
    image = np.stack([np.eye(3), np.ones((3, 3))]).astype(np.float32)
    kernel = np.stack([np.eye(3), -np.ones((3, 3))]).astype(np.float32)
    result = run_pipeline(image, kernel, "3d", ConvSettings(), PoolSettings("none"))
    assert result.feature.item() == pytest.approx(3 - 9)
    assert result.map_names == ("all channels together",)


@pytest.mark.parametrize(
    ("image", "kernels", "mode", "conv"),
    [
        ((1, 12, 10), (1, 1, 3, 3), "grayscale", ConvSettings()),
        ((3, 12, 10), (2, 1, 3, 5), "per_channel", ConvSettings(stride=2, padding=1)),
        ((3, 9, 9), (4, 3, 3, 3), "3d", ConvSettings(dilation=2)),
        ((1, 4, 4), (1, 1, 5, 5), "grayscale", ConvSettings()),
    ],
)
def test_multiply_adds_counts_what_the_loops_multiply(image, kernels, mode, conv):
    from viz.pipeline import multiply_adds

    channels, h, w = image
    m, c_k, kh, kw = kernels
    top, left, bottom, right = conv.padding
    sh, sw = conv.stride
    dh, dw = conv.dilation
    counted = 0  # one per weight read per output cell, counted by walking the outputs
    maps = m * channels if mode == "per_channel" else m
    slices = c_k if mode == "3d" else 1
    for _ in range(maps):
        for _r in range(0, h + top + bottom - (kh - 1) * dh, sh):
            for _c in range(0, w + left + right - (kw - 1) * dw, sw):
                counted += slices * kh * kw
    assert multiply_adds(image, kernels, mode, conv) == counted
