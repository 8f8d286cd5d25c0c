import numpy as np
import pytest
from scipy import ndimage

from viz.digits import draw_digit
from viz.glyphs import draw_glyph
from viz.preprocess import (
    cifar_to_display,
    digit_to_mnist,
    drawing_to_xo,
    ink_map,
    mnist_array_to_input,
    photo_to_cifar,
)


def test_digit_is_centred_by_mass_in_a_20px_box():
    x = digit_to_mnist(draw_digit(7, dark_on_light=True))
    assert x.shape == (1, 32, 32) and 0 <= x.min() and x.max() <= 1
    inner = x[0, 2:30, 2:30]
    cy, cx = ndimage.center_of_mass(inner)
    assert abs(cy - 13.5) < 1 and abs(cx - 13.5) < 1
    rows, cols = np.nonzero(inner > 0.05)
    assert max(np.ptp(rows), np.ptp(cols)) <= 22  # scaled into 20 px (+ interpolation fringe)
    assert x[0, :2].max() == 0 and x[0, -2:].max() == 0  # the 2-px padding


def test_dark_and_light_ink_give_the_same_digit():
    a = digit_to_mnist(draw_digit(3, dark_on_light=True))
    b = digit_to_mnist(draw_digit(3, dark_on_light=False))
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_blank_drawings_give_empty_inputs():
    assert digit_to_mnist(np.ones((50, 50, 3), np.float32)).max() == 0
    assert drawing_to_xo(np.ones((50, 50, 3), np.float32)).max() == -1


def test_mnist_padding():
    x = mnist_array_to_input(np.full((2, 28, 28), 255, np.uint8))
    assert x.shape == (2, 1, 32, 32) and x[0, 0, 2, 2] == 1.0 and x[0, 0, 0, 0] == 0.0


def test_photo_to_cifar_round_trip():
    photo = np.random.default_rng(0).random((300, 451, 3)).astype(np.float32)
    x = photo_to_cifar(photo)
    assert x.shape == (3, 32, 32)
    shown = cifar_to_display(x)
    assert shown.shape == (32, 32, 3) and 0 <= shown.min() and shown.max() <= 1


@pytest.mark.parametrize("label", ["X", "O"])
def test_a_drawn_glyph_becomes_a_plus_minus_one_grid_like_the_training_data(label):
    big = draw_glyph(label, 128)
    photo = np.repeat(((1 - big) / 2)[..., None], 3, axis=2)  # dark ink on white paper
    grid = drawing_to_xo(photo)
    assert grid.shape == (1, 16, 16) and set(np.unique(grid)) == {-1.0, 1.0}
    reference = draw_glyph(label, 16)
    assert np.mean(grid[0] == reference) > 0.85


def test_ink_map_polarity():
    dark_on_light = np.ones((10, 10, 3), np.float32)
    dark_on_light[4:6] = 0
    assert ink_map(dark_on_light)[5, 5] == 1.0 and ink_map(dark_on_light)[0, 0] == 0.0
