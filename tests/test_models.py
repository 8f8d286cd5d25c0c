"""The shipped networks: safe loading, cards that match, and behaviour random weights could not show."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from skimage import data as skdata

from viz.activations import capture, layer_table, parameter_count
from viz.datasets import data_dir
from viz.digits import draw_digit
from viz.errors import ConvScopeError
from viz.evaluate import evaluate, network_data
from viz.glyphs import GLYPH_CLASSES, glyph_dataset
from viz.models import MODELS, get_spec, load_card, load_model
from viz.models.registry import load_state
from viz.models.tinyvgg import TinyVGG, fold_batchnorm

ALLOWED = {"Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"}


@pytest.fixture(scope="module", params=list(MODELS))
def model_id(request):
    return request.param


def probabilities(model, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(x)[None]), 1)[0].numpy()


def test_weights_load_and_are_small(model_id):
    spec = get_spec(model_id)
    assert spec.weights_path.stat().st_size < 5 * 1024 * 1024
    model = load_model(model_id)
    assert not model.training


def test_card_matches_the_architecture(model_id):
    spec, card = get_spec(model_id), load_card(model_id)
    model = load_model(model_id)
    assert card["layers"] == layer_table(model, spec.input_shape)
    assert card["parameters"] == parameter_count(model)
    assert card["classes"] == list(spec.classes)
    assert {layer["type"] for layer in card["layers"]} <= ALLOWED
    for key in ("dataset", "test_accuracy", "training", "versions", "input"):
        assert key in card
    assert card["training"]["seconds"] <= 60 * 60, (
        "each network must train within an hour (issue 15 allows TinyVGG 60 minutes)"
    )
    # Every child has a human name that the page shows as is.
    assert [name for name, _ in model.named_children()] == [layer["name"] for layer in card["layers"]]


def test_lenet5_shapes_are_the_walkthroughs():
    shapes = {layer["name"]: layer["output_shape"] for layer in load_card("lenet5-mnist")["layers"]}
    assert shapes["conv1"] == [6, 28, 28] and shapes["pool1"] == [6, 14, 14]
    assert shapes["conv2"] == [16, 10, 10] and shapes["pool2"] == [16, 5, 5]
    assert shapes["fc1"] == [120] and shapes["fc2"] == [84] and shapes["fc3"] == [10]


def test_tinyvgg_is_small_and_plain():
    model = load_model("tinyvgg-cifar10")
    assert parameter_count(model) <= 150_000
    assert {type(m).__name__ for m in model.children()} <= ALLOWED


def test_xo_net_reads_fresh_glyphs():
    model = load_model("xo-net")
    x, y = glyph_dataset(500, 16, seed=12345)  # not the training or held-out seeds
    accuracy, _ = evaluate(model, torch.from_numpy(x[:, None]), torch.from_numpy(y), len(GLYPH_CLASSES))
    assert accuracy >= 0.98


def test_xo_net_card_describes_its_filters():
    card = load_card("xo-net")
    assert len(card["first_layer_filters"]) == load_model("xo-net").conv1.out_channels
    assert card["test_accuracy"] >= 0.99


@pytest.mark.parametrize("dark_on_light", [False, True])
def test_lenet5_reads_digits_drawn_with_a_pen(dark_on_light):
    spec, model = get_spec("lenet5-mnist"), load_model("lenet5-mnist")
    predicted = [
        int(probabilities(model, spec.preprocess(draw_digit(d, dark_on_light=dark_on_light))).argmax())
        for d in range(10)
    ]
    correct = sum(p == d for d, p in enumerate(predicted))
    assert correct >= 9, f"read {predicted} for 0..9"


def test_tinyvgg_sees_a_cat_in_chelsea():
    spec, model = get_spec("tinyvgg-cifar10"), load_model("tinyvgg-cifar10")
    p = probabilities(model, spec.preprocess(skdata.chelsea().astype(np.float32) / 255.0))
    top3 = [spec.classes[i] for i in np.argsort(p)[::-1][:3]]
    assert "cat" in top3, top3


def test_capture_walks_every_named_layer(model_id):
    spec, model = get_spec(model_id), load_model(model_id)
    x = np.random.default_rng(0).normal(size=spec.input_shape).astype(np.float32)
    layers = capture(model, x)
    assert [layer.name for layer in layers] == [name for name, _ in model.named_children()]
    with torch.no_grad():
        np.testing.assert_allclose(layers[-1].output, model(torch.from_numpy(x)[None])[0].numpy(), rtol=1e-5, atol=1e-5)


def test_loading_refuses_wrong_shapes_and_corrupt_files(tmp_path):
    bad = tmp_path / "xo-net.safetensors"
    state = {k: torch.zeros(1) for k in load_model("xo-net").state_dict()}
    save_file(state, str(bad))
    with pytest.raises(ConvScopeError, match="has shape"):
        load_state(get_spec("xo-net").architecture(), bad)
    bad.write_bytes(b"not a safetensors file")
    with pytest.raises(ConvScopeError, match="corrupt"):
        load_state(get_spec("xo-net").architecture(), bad)
    with pytest.raises(ConvScopeError, match="missing"):
        load_state(get_spec("xo-net").architecture(), tmp_path / "nothing.safetensors")
    partial = {k: v for k, v in load_model("xo-net").state_dict().items() if k != "fc1.bias"}
    save_file(partial, str(bad))
    with pytest.raises(ConvScopeError, match="does not match"):
        load_state(get_spec("xo-net").architecture(), bad)


def test_folding_batchnorm_keeps_the_function():
    torch.manual_seed(0)
    trained = TinyVGG(batchnorm=True).train()
    for _ in range(3):
        trained(torch.randn(16, 3, 32, 32))
    trained.eval()
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(fold_batchnorm(trained)(x), trained(x), rtol=1e-4, atol=1e-5)


def _shared_data_present(model_id: str) -> bool:
    needs = {"lenet5-mnist": "mnist.npz", "tinyvgg-cifar10": "cifar10-jpg.tar.gz"}.get(model_id)
    return needs is None or (data_dir() / needs).is_file()


@pytest.fixture(scope="module")
def measured_accuracy():
    """Each network's accuracy on its full test set, measured once per module (shared data needed)."""
    cache: dict[str, float] = {}

    def measure(model_id: str) -> float:
        if not _shared_data_present(model_id):
            pytest.skip(f"the shared data folder {data_dir()} is absent; set CONVSCOPE_DATA to run this check")
        if model_id not in cache:
            _, (x, y) = network_data(model_id)
            assert len(y) == load_card(model_id)["test_images"]
            cache[model_id] = evaluate(load_model(model_id), x, y, len(get_spec(model_id).classes))[0]
        return cache[model_id]

    return measure


@pytest.mark.parametrize("model_id", list(MODELS))
def test_full_test_set_accuracy_matches_the_card(model_id, measured_accuracy):
    assert abs(measured_accuracy(model_id) - load_card(model_id)["test_accuracy"]) <= 0.005


@pytest.mark.parametrize(
    "model_id,required",
    [
        ("xo-net", 0.99),
        ("lenet5-mnist", 0.99),
        ("sound-net", 0.95),
        pytest.param(
            "tinyvgg-cifar10",
            0.88,
            marks=pytest.mark.xfail(
                strict=True,
                reason="the 88% target is not met yet: 87.3% after 120 epochs (54 minutes on 2 cores)",
            ),
        ),
    ],
)
def test_accuracy_reaches_the_target(model_id, required, measured_accuracy):
    accuracy = measured_accuracy(model_id)
    assert accuracy >= required, json.dumps({"accuracy": round(accuracy, 4), "required": required})


# ---------------------------------------------------------------- broken files get a message naming them
def _break(kind: str, folder, model_id: str) -> str:
    """Write a broken copy of model_id's files into folder; returns the file name the message must name."""
    import shutil

    from tests.conftest import ROOT

    spec = get_spec(model_id)
    real = ROOT / "pretrained"
    weights, card = folder / f"{model_id}.safetensors", folder / f"{model_id}.json"
    shutil.copy(real / weights.name, weights)
    shutil.copy(real / card.name, card)
    if kind == "missing weights":
        weights.unlink()
    elif kind == "truncated weights":
        weights.write_bytes(weights.read_bytes()[:1000])
    elif kind == "wrong shape":
        tensors = {k: v.clone() for k, v in load_state(spec.architecture(), real / weights.name).state_dict().items()}
        tensors["conv1.weight"] = torch.zeros(1, 1, 1, 1)
        save_file(tensors, str(weights))
    elif kind == "NaN weights":
        tensors = {k: v.clone() for k, v in load_state(spec.architecture(), real / weights.name).state_dict().items()}
        tensors["conv1.weight"][0, 0, 0, 0] = float("nan")
        save_file(tensors, str(weights))
    elif kind == "pickle renamed":
        torch.save(load_state(spec.architecture(), real / weights.name).state_dict(), weights)
    elif kind == "missing card":
        card.unlink()
    elif kind == "bad JSON":
        card.write_text('{"parameters": 594,', encoding="utf-8")
    elif kind == "card without keys":
        card.write_text(json.dumps({"parameters": 594}), encoding="utf-8")
    return (card if "card" in kind or "JSON" in kind else weights).name


BREAKAGES = [
    "missing weights",
    "truncated weights",
    "wrong shape",
    "NaN weights",
    "pickle renamed",
    "missing card",
    "bad JSON",
    "card without keys",
]


@pytest.mark.parametrize("kind", BREAKAGES)
def test_every_broken_file_gives_a_message_naming_the_network_and_the_file(kind, tmp_path, monkeypatch):
    monkeypatch.setattr("viz.models.registry.PRETRAINED_DIR", tmp_path)
    name = _break(kind, tmp_path, "xo-net")
    unpickled = []
    for unpickler in ("pickle.load", "pickle.loads", "torch.load"):
        monkeypatch.setattr(unpickler, lambda *args, **kwargs: unpickled.append(args))
    with pytest.raises(ConvScopeError) as info:
        load_card("xo-net") if name.endswith(".json") else load_model("xo-net")
    assert get_spec("xo-net").title in str(info.value) and name in str(info.value)
    assert not unpickled  # nothing is ever unpickled
