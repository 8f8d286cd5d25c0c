import numpy as np
import pytest

from viz.errors import ConvScopeError
from viz.kernels import (
    KERNELS,
    MAX_KERNEL_SIZE,
    format_kernel_text,
    parse_kernel_cells,
    parse_kernel_text,
    resize_kernel,
)
from viz.ops import ConvSettings, conv2d
from viz.samples import step_edge


def respond(kernel_key: str, image: np.ndarray) -> np.ndarray:
    return conv2d(image[None], KERNELS[kernel_key].weights[None, None], ConvSettings())[0]


@pytest.mark.parametrize("family", ["sobel", "prewitt", "scharr"])
def test_vertical_edge_kernels_see_vertical_edges_only(family):
    vertical, horizontal = step_edge(32, vertical=True), step_edge(32, vertical=False)
    assert np.abs(respond(f"{family}_vertical", vertical)).max() > 0
    assert np.abs(respond(f"{family}_vertical", horizontal)).max() == 0
    assert np.abs(respond(f"{family}_horizontal", horizontal)).max() > 0
    assert np.abs(respond(f"{family}_horizontal", vertical)).max() == 0


def test_vertical_edge_response_is_positive_for_dark_to_bright():
    # Dark left, bright right: right minus left is positive along the edge.
    assert respond("sobel_vertical", step_edge(32, vertical=True)).min() >= 0


@pytest.mark.parametrize("key", ["laplacian", "outline"])
def test_edge_detectors_are_zero_on_flat_areas(key):
    assert np.abs(respond(key, np.full((10, 10), 0.7, np.float32))).max() < 1e-5


@pytest.mark.parametrize("key", ["box_blur", "gaussian_blur", "identity", "sharpen"])
def test_blurs_sharpen_and_identity_keep_flat_areas(key):
    assert np.allclose(respond(key, np.full((12, 12), 0.4, np.float32)), 0.4, atol=1e-5)


def test_identity_returns_the_image_inside_the_border():
    image = np.random.default_rng(0).random((8, 8)).astype(np.float32)
    np.testing.assert_allclose(respond("identity", image), image[1:-1, 1:-1])


# Deshpande, "A Beginner's Guide To Understanding Convolutional Neural Networks" (2016): the figures
# "Pixel representation of the receptive field" (the curve, 6600) and the mouse's ear (0).
DESHPANDE_CURVE_FIELD = [
    [0, 0, 0, 0, 0, 0, 30],
    [0, 0, 0, 0, 50, 50, 50],
    [0, 0, 0, 20, 50, 0, 0],
    [0, 0, 0, 50, 50, 0, 0],
    [0, 0, 0, 50, 50, 0, 0],
    [0, 0, 0, 50, 50, 0, 0],
    [0, 0, 0, 50, 50, 0, 0],
]
DESHPANDE_EAR_FIELD = [
    [0, 0, 0, 0, 0, 0, 0],
    [0, 40, 0, 0, 0, 0, 0],
    [40, 0, 40, 0, 0, 0, 0],
    [40, 20, 0, 0, 0, 0, 0],
    [0, 50, 0, 0, 0, 0, 0],
    [0, 0, 50, 0, 0, 0, 0],
    [25, 25, 0, 50, 0, 0, 0],
]


def test_the_curve_detector_is_deshpandes_filter_cell_for_cell():
    published = np.zeros((7, 7), np.float32)
    published[[0, 1, 2, 3, 4, 5], [5, 4, 3, 3, 3, 3]] = 30
    np.testing.assert_array_equal(KERNELS["curve"].weights, published)


def test_the_curve_detector_gives_deshpandes_6600_on_the_curve_and_0_on_the_ear():
    assert respond("curve", np.asarray(DESHPANDE_CURVE_FIELD, np.float32)).tolist() == [[6600.0]]
    assert respond("curve", np.asarray(DESHPANDE_EAR_FIELD, np.float32)).tolist() == [[0.0]]


def test_curve_detector_prefers_its_own_curve():
    curve = KERNELS["curve"].weights
    image = np.zeros((21, 21), np.float32)
    image[7:14, 7:14] = curve / curve.max()
    response = respond("curve", image)
    assert np.unravel_index(response.argmax(), response.shape) == (7, 7)
    assert (response == response.max()).sum() == 1  # no other placement covers the whole stroke


def test_every_kernel_has_an_explanation_and_finite_weights():
    for kernel in KERNELS.values():
        assert kernel.explanation.endswith(".") and len(kernel.explanation) > 30
        assert kernel.weights.ndim == 2 and kernel.weights.shape[0] == kernel.weights.shape[1]
        assert np.isfinite(kernel.weights).all()


def test_text_round_trip():
    for kernel in KERNELS.values():
        np.testing.assert_allclose(parse_kernel_text(format_kernel_text(kernel.weights)), kernel.weights, rtol=1e-5)


def test_text_accepts_commas_fractions_and_typographic_minus():
    np.testing.assert_allclose(parse_kernel_text("1, 1/9\n−2  3"), [[1, 1 / 9], [-2, 3]], rtol=1e-6)


@pytest.mark.parametrize(
    "text,message",
    [
        ("1 0\n0 abc", "row 2, column 2 is `abc`, which is not a number"),
        ("1 nan\n0 1", "NaN and infinity"),
        ("inf 0\n0 1", "NaN and infinity"),
        ("1 0 0\n0 1", "row 2 has 2, row 1 has 3"),
        ("1/0 1\n1 1", "not a number"),
        ("", "1 to 11 rows"),
        ("1 0 0 0 0 0 0 0 0 0 0 0", "1 to 11 numbers per row"),
    ],
)
def test_bad_cells_are_named(text, message):
    with pytest.raises(ConvScopeError, match=message):
        parse_kernel_text(text)


def test_size_limit():
    parse_kernel_cells([[0] * MAX_KERNEL_SIZE] * MAX_KERNEL_SIZE)
    with pytest.raises(ConvScopeError):
        parse_kernel_cells([[0] * 12] * 12)


def test_resize_pads_and_crops_around_the_centre():
    sobel = KERNELS["sobel_vertical"].weights
    big = resize_kernel(sobel, 5)
    np.testing.assert_array_equal(big[1:4, 1:4], sobel)
    assert big.sum() == 0 and np.abs(big).sum() == np.abs(sobel).sum()
    np.testing.assert_array_equal(resize_kernel(big, 3), sobel)
    assert resize_kernel(sobel, 1).tolist() == [[0.0]]


def test_text_far_too_long_for_a_kernel_is_refused_before_parsing():
    from viz.kernels import MAX_KERNEL_TEXT

    message = str(pytest.raises(ConvScopeError, parse_kernel_text, "1 " * 30_000).value)
    assert "60,000 characters long" in message and f"{MAX_KERNEL_TEXT:,}" in message


def test_a_bad_cell_is_quoted_short_and_as_code():
    message = str(
        pytest.raises(ConvScopeError, parse_kernel_text, "[click](https://evil.example/" + "a" * 500 + ")").value
    )
    assert "`[click](https://evil.ex…`" in message and len(message) < 200
