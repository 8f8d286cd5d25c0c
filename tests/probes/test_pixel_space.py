import numpy as np
import pytest

from viz.models import get_spec
from viz.probes.pixel_space import GRID, INK, PHOTO, pixel_space


@pytest.mark.parametrize("kind,space", [("photo", PHOTO), ("glyph", GRID), ("digit", INK), ("drawing", GRID)])
def test_each_kind_of_input_has_its_pixel_space(kind, space):
    assert pixel_space(kind) is space


@pytest.mark.parametrize("model_id", ["xo-net", "lenet5-mnist", "tinyvgg-cifar10"])
def test_pixels_to_input_undoes_the_networks_own_display(model_id):
    spec = get_spec(model_id)
    space = pixel_space(spec.input_kind)
    rng = np.random.default_rng(0)
    pixels = rng.random(spec.input_shape).astype(np.float32)
    pixels.flat[0] = 0.0  # the grids are shown against their darkest possible value
    x = space.to_input(pixels)
    shown = spec.to_display(x)
    shown = shown.transpose(2, 0, 1) if shown.ndim == 3 else shown[None]
    np.testing.assert_allclose(shown, pixels, atol=1e-5)
    np.testing.assert_allclose(space.to_pixels(x), pixels, atol=1e-6)


def test_grey_is_the_input_value_of_half_bright_pixels():
    np.testing.assert_allclose(GRID.grey(1), [0.0])
    np.testing.assert_allclose(INK.grey(1), [0.5])
    np.testing.assert_allclose(PHOTO.grey(3), (0.5 - np.array(PHOTO.offset)) / np.array(PHOTO.scale), rtol=1e-6)
