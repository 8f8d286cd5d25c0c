import numpy as np
import torch

from viz.probes.attribution import conv_layers
from viz.probes.maximize import favourite_picture, objective, regularizers, strongest_examples
from viz.probes.pixel_space import GRID
from viz.samples import GLYPH_SAMPLES, load_sample


def test_the_favourite_picture_excites_the_channel_more_than_the_start_and_the_sample(case):
    layer = conv_layers(case.model)[-1]
    favourite = favourite_picture(
        case.model, case.space, case.x.shape, layer, 0, steps=60, **regularizers(case.spec.input_kind)
    )
    assert favourite.pixels.shape == case.x.shape and 0 <= favourite.pixels.min() <= favourite.pixels.max() <= 1
    with torch.no_grad():
        on_sample = float(objective(case.model, torch.from_numpy(case.x)[None], layer, 0)[0])
    assert favourite.activation > max(favourite.start, on_sample)
    assert len(favourite.trace) == 61


def test_xo_nets_first_features_want_their_own_diagonal_and_crossing_patterns(case):
    """For each conv1 filter of xo-net, the centre 3×3 of its favourite picture has the filter's signs."""
    if case.spec.model_id != "xo-net":
        return
    weights = case.model.conv1.weight.detach().numpy()[:, 0]
    for channel, w in enumerate(weights):
        favourite = favourite_picture(case.model, GRID, (1, 16, 16), "conv1", channel, **regularizers("glyph"))
        centre = GRID.to_input(favourite.pixels)[0, 7:10, 7:10]
        cosine = float((centre * w).sum() / (np.linalg.norm(centre) * np.linalg.norm(w)))
        assert cosine > 0.8, (channel, cosine)


def test_the_strongest_examples_are_ranked_by_the_objective(case):
    if case.spec.model_id != "xo-net":
        return
    inputs = np.stack([case.spec.preprocess(load_sample(k, 256).pixels) for k in GLYPH_SAMPLES])
    ranked = strongest_examples(case.model, inputs, "fc1", 0, count=4)
    values = [v for _, v in ranked]
    assert values == sorted(values, reverse=True) and len(ranked) == 4
    assert GLYPH_SAMPLES[ranked[0][0]].startswith("x")  # the X class's strongest example is an X
