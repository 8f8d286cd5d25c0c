"""The shuffled-pixels experiment: the shuffle, the fully connected network's indifference, and the shipped figures."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tests.conftest import ROOT
from viz.datasets import data_dir
from viz.shuffled import CARD_NAME, fully_connected, load_figures, permutation, run_experiment, shuffle_pixels


def test_the_shuffle_moves_every_pixel_and_loses_none():
    order = permutation()
    assert sorted(order) == list(range(784)) and (order != np.arange(784)).mean() > 0.99
    digits = np.random.default_rng(0).integers(0, 256, (3, 28, 28)).astype(np.uint8)
    shuffled = shuffle_pixels(digits, order)
    for d, s in zip(digits, shuffled, strict=True):
        assert sorted(d.ravel()) == sorted(s.ravel())
        assert s.ravel()[10] == d.ravel()[order[10]]  # by hand: pixel 10 comes from position order[10]
    assert np.array_equal(shuffle_pixels(digits, order), shuffle_pixels(digits, order))  # the same every time


def test_weights_moved_with_their_pixels_compute_the_same():
    """Why the fully connected network cannot tell: shuffle its first layer's columns as the pixels were."""
    torch.manual_seed(0)
    net = fully_connected()
    order = torch.from_numpy(permutation())
    moved = fully_connected()
    moved.load_state_dict(net.state_dict())
    with torch.no_grad():
        moved.fc1.weight.copy_(net.fc1.weight[:, order])
    x = torch.rand(5, 1, 28, 28)
    x_shuffled = x.reshape(5, -1)[:, order].reshape(5, 1, 28, 28)
    torch.testing.assert_close(moved(x_shuffled), net(x), rtol=1e-5, atol=1e-5)


def test_the_shipped_figures_are_readable_and_say_the_rule():
    card = load_figures()
    assert card is not None
    acc = card["accuracy"]
    assert acc["fc/original"] == acc["fc/shuffled"]  # it does not care
    assert acc["cnn/original"] - acc["cnn/shuffled"] > 0.02  # the CNN loses much of its edge
    assert acc["cnn/original"] > acc["fc/original"]


def test_a_damaged_card_is_reported_as_missing(tmp_path):
    assert load_figures(tmp_path) is None
    (tmp_path / CARD_NAME).write_text("{not json")
    assert load_figures(tmp_path) is None
    (tmp_path / CARD_NAME).write_text(json.dumps({"accuracy": {"cnn/original": "high"}}))
    assert load_figures(tmp_path) is None


@pytest.mark.skipif(not (data_dir() / "mnist.npz").is_file(), reason="the shared MNIST file is absent")
def test_the_experiment_reproduces_its_stored_figures_within_one_point():
    torch.set_num_threads(2)
    stored = json.loads((ROOT / "pretrained" / CARD_NAME).read_text())["accuracy"]
    measured = run_experiment()["accuracy"]
    for key, value in stored.items():
        assert abs(measured[key] - value) <= 0.01, (key, measured[key], value)
