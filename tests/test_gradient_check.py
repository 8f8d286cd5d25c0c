import copy

import pytest
import torch

from viz.designs import Design, build
from viz.gradient_check import nudge_one_weight
from viz.live_training import xo_dataset


@pytest.fixture(scope="module")
def net_and_batch():
    torch.manual_seed(3)
    data = xo_dataset()
    return build(Design()), data.x_train[:128], data.y_train[:128]


@pytest.mark.parametrize("index", [(0, 0, 0, 0), (1, 0, 1, 2), (3, 0, 2, 1)])
def test_the_nudged_slope_matches_backpropagation(net_and_batch, index):
    model, x, y = net_and_batch
    before = copy.deepcopy(model.state_dict())
    n = nudge_one_weight(model, "conv1", index, x, y, learning_rate=0.05)
    assert n.gradient != 0
    assert n.slope == pytest.approx(n.gradient, rel=1e-5, abs=1e-9)
    assert n.agreement < 1e-5
    assert n.loss_down != n.loss_up
    assert n.new_weight == pytest.approx(n.weight - 0.05 * n.gradient)
    assert n.new_loss < n.loss  # a small step against the gradient lowers the loss
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # the network is untouched


def test_the_slope_is_a_plain_difference_of_two_losses(net_and_batch):
    model, x, y = net_and_batch
    n = nudge_one_weight(model, "fc1", (1, 7), x, y, learning_rate=0.1, nudge=1e-4)
    probe = copy.deepcopy(model).double()
    loss = torch.nn.CrossEntropyLoss()
    with torch.no_grad():
        probe.fc1.weight[1, 7] += 1e-4
        up = float(loss(probe(x.double()), y))
    assert n.loss_up == pytest.approx(up, rel=1e-12)
