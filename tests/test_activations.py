import numpy as np
import pytest
import torch
import torch.nn.functional as F

from viz.activations import capture, layer_input, relu_and_pool_stats, softmax
from viz.explain import explain_conv, fc_votes, pool_winners
from viz.models import MODELS, get_spec, load_model


@pytest.fixture(scope="module", params=list(MODELS))
def network(request):
    spec = get_spec(request.param)
    x = np.random.default_rng(3).normal(size=spec.input_shape).astype(np.float32)
    model = load_model(request.param)
    return spec, model, x, capture(model, x)


def test_capture_equals_a_manual_layer_by_layer_pass(network):
    _, model, x, layers = network
    with torch.no_grad():
        out = torch.from_numpy(x)[None]
        for layer in layers:
            module = getattr(model, layer.name)
            if layer.kind == "conv":
                out = F.conv2d(out, module.weight, module.bias, module.stride, module.padding)
            elif layer.kind == "relu":
                out = out.clamp(min=0)
            elif layer.kind == "pool":
                out = F.max_pool2d(out, module.kernel_size, module.stride)
            elif layer.kind == "flatten":
                out = out.reshape(1, -1)
            else:
                out = out @ module.weight.T + module.bias
            np.testing.assert_allclose(layer.output, out[0].numpy(), rtol=1e-5, atol=1e-5)


def test_conv_pixel_explanation_adds_up_to_the_activation(network):
    _, model, x, layers = network
    rng = np.random.default_rng(0)
    for layer in layers:
        if layer.kind != "conv":
            continue
        conv = getattr(model, layer.name)
        received = layer_input(layers, layer.name, x)
        for _ in range(20):
            c, r, col = (int(rng.integers(n)) for n in layer.output.shape)
            ex = explain_conv(
                received,
                conv.weight[c].detach().numpy(),
                r,
                col,
                conv.stride[0],
                conv.padding[0],
                float(conv.bias[c].detach()),
            )
            assert ex.value == pytest.approx(float(layer.output[c, r, col]), abs=1e-4)


def test_fc_votes_add_up(network):
    _, model, x, layers = network
    for i, layer in enumerate(layers):
        if layer.kind == "fc":
            fc = getattr(model, layer.name)
            votes = fc_votes(fc.weight.detach().numpy(), fc.bias.detach().numpy(), layers[i - 1].output, 1)
            assert votes.total == pytest.approx(float(layer.output[1]), abs=1e-4)


def test_pool_winners_are_what_pooling_kept(network):
    _, model, x, layers = network
    for layer in layers:
        if layer.kind == "pool":
            pool = getattr(model, layer.name)
            received = layer_input(layers, layer.name, x)
            winners = pool_winners(received, pool.kernel_size, pool.stride)
            kept = np.sort(received[winners])
            np.testing.assert_allclose(kept, np.sort(layer.output.ravel()), rtol=1e-6)


def test_relu_and_pool_stats(network):
    _, _, x, layers = network
    stats = relu_and_pool_stats(layers, x)
    assert {s.kind for s in stats} == {"relu", "pool"}
    for s in stats:
        assert 0.0 <= s.share <= 1.0
        if s.kind == "pool" and s.name != "pool4":
            assert s.share == pytest.approx(0.75)  # 2×2 windows keep one value in four


def test_softmax_sums_to_one():
    p = softmax(np.array([1.0, 2.0, 1000.0]))
    assert p.sum() == pytest.approx(1.0) and p.argmax() == 2
