import torch

from viz.models import MODELS, load_model
from viz.train import RECIPES, describe_xo_filters, shift_and_flip, small_affine


def test_every_network_has_a_recipe_that_fits_the_time_budget():
    assert set(RECIPES) == set(MODELS)


def test_augmentations_keep_shapes_and_change_pixels():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(8, 3, 32, 32)
    y = shift_and_flip(x, gen)
    assert y.shape == x.shape and not torch.equal(x, y)
    digits = torch.rand(8, 1, 32, 32)
    assert small_affine(digits, gen).shape == digits.shape


def test_xo_filter_descriptions_name_a_pattern():
    lines = describe_xo_filters(load_model("xo-net"))
    assert len(lines) == 4 and all("most like" in line for line in lines)
