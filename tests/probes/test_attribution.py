import copy

import numpy as np
import torch
from torch import nn

from viz.probes.attribution import conv_layers, grad_cam, input_gradient, occlusion, saliency, smoothgrad


def _score(model, x, target):
    with torch.no_grad():
        return float(model(torch.from_numpy(x)[None])[0, target])


def test_saliency_is_the_gradient_a_finite_difference_measures(case):
    """d score / d pixel, checked on the 4 most sensitive pixels and 4 random ones, in float64.

    The input is jittered by 1% first: on the ±1 grid, max-pooling windows hold ties, where the score has
    a left and a right slope and a central difference measures neither.
    """
    model64 = copy.deepcopy(case.model).double()
    x = case.x.astype(np.float64) + np.random.default_rng(0).normal(0, 0.01, case.x.shape)
    grad = input_gradient(model64, x, case.predicted)
    rng = np.random.default_rng(1)
    strongest = np.argsort(-np.abs(grad), axis=None)[:4]
    chosen = list(strongest) + list(rng.choice(x.size, 4, replace=False))
    h = 1e-6
    for flat in chosen:
        idx = np.unravel_index(flat, x.shape)
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        with torch.no_grad():
            f_up = float(model64(torch.from_numpy(up)[None])[0, case.predicted])
            f_down = float(model64(torch.from_numpy(down)[None])[0, case.predicted])
        assert abs((f_up - f_down) / (2 * h) - grad[idx]) <= 1e-6 + 1e-4 * abs(grad[idx]), idx
    assert np.abs(grad).max() > 0


def test_saliency_is_the_largest_gradient_magnitude_over_the_channels(case):
    grad = input_gradient(case.model, case.x, case.predicted)
    np.testing.assert_array_equal(saliency(case.model, case.x, case.predicted), np.abs(grad).max(0))


def test_smoothgrad_without_noise_is_plain_saliency_and_with_noise_differs(case):
    plain = saliency(case.model, case.x, case.predicted)
    np.testing.assert_allclose(smoothgrad(case.model, case.x, case.predicted, samples=4, noise=0.0), plain, atol=1e-6)
    noisy = smoothgrad(case.model, case.x, case.predicted, samples=8, noise=0.2)
    assert noisy.shape == plain.shape and not np.allclose(noisy, plain)


def test_probes_never_write_the_shared_networks_gradients(case):
    saliency(case.model, case.x, 0)
    smoothgrad(case.model, case.x, 0, samples=2)
    grad_cam(case.model, case.x, 0, conv_layers(case.model)[-1])
    assert all(p.grad is None for p in case.model.parameters())


def _two_detectors() -> nn.Sequential:
    """Class 0 = 'a plus sign somewhere', class 1 = 'a 3×3 square somewhere' (global max pooling)."""
    plus = torch.tensor([[-1.0, 1, -1], [1, 1, 1], [-1, 1, -1]])
    square = torch.ones(3, 3) * 0.6
    model = nn.Sequential()
    model.add_module("conv1", nn.Conv2d(1, 2, 3, padding=1))
    model.add_module("relu1", nn.ReLU())
    model.add_module("pool1", nn.MaxPool2d(16))
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc1", nn.Linear(2, 2))
    with torch.no_grad():
        model.conv1.weight.copy_(torch.stack([plus, square])[:, None])
        model.conv1.bias.copy_(torch.tensor([-4.0, -4.5]))
        model.fc1.weight.copy_(torch.eye(2))
        model.fc1.bias.zero_()
    return model.eval()


def test_grad_cam_peaks_where_the_classes_evidence_is():
    x = np.zeros((1, 16, 16), np.float32)
    x[0, 3:6, 4] = x[0, 4, 3:6] = 1.0  # a plus sign centred at (4, 4)
    x[0, 11:14, 10:13] = 1.0  # a square centred at (12, 11)
    model = _two_detectors()
    for target, centre in ((0, (4, 4)), (1, (12, 11))):
        cam = grad_cam(model, x, target, "conv1")
        assert cam.upsampled.shape == (16, 16)
        peak = np.unravel_index(int(np.argmax(cam.small)), cam.small.shape)
        assert max(abs(peak[0] - centre[0]), abs(peak[1] - centre[1])) <= 1, (target, peak)
        other = (12, 11) if target == 0 else (4, 4)
        assert cam.small[other] < 0.5 * cam.small[peak]


def test_grad_cam_on_the_shipped_networks_is_non_negative_and_input_sized(case):
    for layer in conv_layers(case.model):
        cam = grad_cam(case.model, case.x, case.predicted, layer)
        assert cam.upsampled.shape == case.x.shape[1:] and (cam.upsampled >= 0).all()
    assert cam.small.max() > 0


def test_occlusion_of_a_blank_area_changes_nothing(photo_case):
    """A grey photo with one coloured square: hiding grey with grey leaves every score as it was."""
    space, model = photo_case.space, photo_case.model
    pixels = np.full((3, 32, 32), 0.5, np.float32)
    pixels[:, 2:12, 2:12] = np.array([0.9, 0.2, 0.1])[:, None, None]
    x = space.to_input(pixels)
    result = occlusion(model, x, 3, size=6, stride=2, fill=space.grey(3))
    assert result.drops.shape == ((32 - 6) // 2 + 1,) * 2
    for r in range(result.drops.shape[0]):
        for c in range(result.drops.shape[1]):
            top, left = r * 2, c * 2
            if top >= 12 or left >= 12:  # the square lies wholly in the grey
                assert abs(result.drops[r, c]) < 1e-4, (top, left)
    assert np.abs(result.drops).max() > 0.01  # hiding the coloured square does change the score


def test_occlusion_drops_are_what_hiding_the_square_by_hand_does(case):
    size, stride = 4, 3
    fill = case.space.grey(case.x.shape[0])
    result = occlusion(case.model, case.x, case.predicted, size, stride, fill)
    base = _score(case.model, case.x, case.predicted)
    for top, left, drop, _ in result.worst(3):
        hidden = case.x.copy()
        hidden[:, top : top + size, left : left + size] = fill[:, None, None]
        assert abs((base - _score(case.model, hidden, case.predicted)) - drop) < 1e-4
    assert [w[2] for w in result.worst(5)] == sorted((w[2] for w in result.worst(5)), reverse=True)
