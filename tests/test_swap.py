import numpy as np
import pytest
import torch

from viz.errors import ConvScopeError
from viz.kernels import KERNELS
from viz.models import MODELS, load_model
from viz.swap import first_conv_name, kernel_for_layer, swapped


@pytest.mark.parametrize("model_id", list(MODELS))
def test_swap_changes_one_filter_of_a_copy(model_id):
    model = load_model(model_id)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    twin = swapped(model, 1, KERNELS["sobel_vertical"].weights)
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, before[k])  # the trained network is untouched
    w_old, w_new = model.conv1.weight, twin.conv1.weight
    assert not torch.equal(w_old[1], w_new[1])
    torch.testing.assert_close(w_old[0], w_new[0])
    torch.testing.assert_close(w_old[1].norm(), w_new[1].norm())  # same size as the trained filter


def test_kernel_is_resized_and_spread_over_input_channels():
    conv = load_model("tinyvgg-cifar10").conv1
    w = kernel_for_layer(KERNELS["curve"].weights, conv, 0).numpy()
    assert w.shape == (3, 3, 3)
    np.testing.assert_allclose(w[0], w[1])
    lenet = load_model("lenet5-mnist").conv1
    assert kernel_for_layer(KERNELS["sobel_vertical"].weights, lenet, 0).shape == (1, 5, 5)


def test_bad_filter_index():
    with pytest.raises(ConvScopeError, match="no filter 99"):
        swapped(load_model("xo-net"), 99, KERNELS["identity"].weights)
    assert first_conv_name(load_model("xo-net")) == "conv1"
