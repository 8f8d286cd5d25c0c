"""Inside the CNN · Open your own network, through AppTest: an ONNX file exported here, with and without
its class names; a network from Train it yourself; files that are not networks."""

from __future__ import annotations

import json

import pytest
import torch

from tests.test_app_inspector import open_page, prediction
from tests.test_app_probes import texts
from tests.test_onnx_network import NETWORKS, Chain, Residual, _single, _with_statistics, exported
from viz.designs import Design, build
from viz.network_files import card_for, to_files

UPLOADER = "inspector_own_files"


def opened(files: list[tuple[str, bytes, str]], **state):
    at = open_page("lenet5-mnist", **state)
    at.file_uploader(key=UPLOADER).set_value(files).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_it(at):
    at.button(key="inspector_own_open").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture(scope="module")
def residual_file() -> bytes:
    torch.manual_seed(0)
    return exported(_with_statistics(Residual()), NETWORKS["residual"][1])


def test_an_onnx_file_with_its_class_names_opens_and_says_something(residual_file):
    names = json.dumps({"classes": ["red", "green", "blue"], "mean": [0.5] * 3, "std": [0.25] * 3}).encode()
    at = opened(
        [("residual.onnx", residual_file, "application/octet-stream"), ("classes.json", names, "application/json")]
    )
    assert "3 scores (red, green, blue)" in texts(at)
    open_it(at)
    assert at.session_state["inspector_model"].startswith("mine-")
    assert prediction(at) in ("red", "green", "blue")
    words = texts(at)
    assert "**stem**" in words and "Add of" in words  # the residual block's join says what it reads
    assert "final Softmax is left out" in words


def test_without_a_json_its_classes_are_numbered(residual_file):
    at = open_it(opened([("net.onnx", residual_file, "application/octet-stream")]))
    assert prediction(at).startswith("class ")


@pytest.mark.parametrize("layer", ["stem", "a", "MaxPool", "fc"])
def test_look_closer_explains_its_layers(residual_file, layer):
    at = open_it(opened([("net.onnx", residual_file, "application/octet-stream")]))
    at.session_state["inspector_layer"] = layer
    at.session_state["inspector_tab"] = "Look closer"
    at.run()
    assert not at.exception
    words = texts(at)
    if layer == "fc":
        assert "pushed" in words
    elif layer == "MaxPool":
        assert "Each 4×4 window passes on only its largest value" in words
    else:
        assert "Explain a pixel" in words and "the network computed" in words


def test_the_add_layer_has_its_own_words(residual_file):
    at = open_it(opened([("net.onnx", residual_file, "application/octet-stream")]))
    layers = [n for n in at.selectbox(key="inspector_layer").options]
    add = next(n for n in layers if "operation" in n)
    at.selectbox(key="inspector_layer").set_value(add.split(" · ")[0]).run()
    assert not at.exception and "no weights of its own" in texts(at)


@pytest.mark.parametrize("kind", ["Where it looked", "Fool it", "Shift it", "What a channel wants"])
def test_every_probe_works_on_an_opened_network(residual_file, kind):
    at = open_it(opened([("net.onnx", residual_file, "application/octet-stream")]))
    at.session_state["inspector_tab"] = "Probe it"
    at.session_state["probe_kind"] = kind
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def test_a_grey_digit_network_gets_the_digit_inputs():
    settings = json.dumps({"preprocessing": "mnist", "classes": [str(d) for d in range(10)]}).encode()
    at = opened(
        [
            ("digits.onnx", exported(Chain(), (1, 28, 28)), "application/octet-stream"),
            ("d.json", settings, "application/json"),
        ]
    )
    open_it(at)
    assert prediction(at) in [str(d) for d in range(10)]
    assert "As MNIST was made" in texts(at)


def test_an_unsupported_op_is_named_in_the_sidebar_and_the_page_goes_on():
    bad = _single("Einsum", ["X", "X"], dict(equation="bchw,bchw->bchw"), [])
    at = opened([("odd.onnx", bad, "application/octet-stream")])
    assert any("Einsum" in e.value for e in at.sidebar.error)
    assert prediction(at) in [str(d) for d in range(10)]  # the shipped network is still shown


def test_class_names_that_could_be_markup_are_refused(residual_file):
    names = json.dumps({"classes": ["[x](https://evil.example)", "b", "c"]}).encode()
    at = opened([("n.onnx", residual_file, "application/octet-stream"), ("c.json", names, "application/json")])
    assert any('"classes" must be' in e.value for e in at.sidebar.error)


def test_a_file_name_with_markup_is_shown_as_plain_text(residual_file):
    at = opened([("![x](https://evil.example/a.png).onnx", residual_file, "application/octet-stream")])
    assert "](https" not in texts(at) and "evil.example" in texts(at)


def test_random_bytes_are_not_a_network():
    at = opened([("notes.onnx", b"\x08\x07hello world" * 50, "application/octet-stream")])
    assert at.sidebar.error and not at.exception


def test_a_network_from_train_it_yourself_opens_here_too():
    design = Design(input_shape=(1, 16, 16), classes=2)
    model = build(design)
    card = card_for(design, ("X", "O"), "my xo", 0.9, 100, 2.0)
    weights, card_bytes = to_files(model, card)
    at = opened([("my.safetensors", weights, "application/octet-stream"), ("my.json", card_bytes, "application/json")])
    open_it(at)
    assert prediction(at) in ("X", "O")


def test_weights_without_their_card_ask_for_it():
    at = opened([("my.safetensors", b"\0" * 100, "application/octet-stream")])
    assert any("card" in e.value for e in at.sidebar.error)
