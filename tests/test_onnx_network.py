"""Networks exported to ONNX here, read back by viz.onnx_network, against PyTorch and onnxruntime."""

from __future__ import annotations

import io

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from viz.activations import capture, layer_input
from viz.errors import ConvScopeError
from viz.models import load_model
from viz.onnx_network import INPUT, MAX_FILE_MB, SUPPORTED, read_onnx


def exported(model: nn.Module, shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    torch.onnx.export(
        model.eval(), torch.zeros(1, *shape), buf, dynamo=False, input_names=["picture"], output_names=["scores"]
    )
    return buf.getvalue()


def onnxruntime_output(data: bytes, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


class Chain(nn.Module):
    """conv/pool/linear, as LeNet: padding, stride, dropout."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 5, padding=2)
        self.conv2 = nn.Conv2d(4, 8, 3, stride=2)
        self.fc1 = nn.Linear(8 * 3 * 3, 16)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(self.drop(F.relu(self.fc1(torch.flatten(x, 1)))))


class NormAndAverage(nn.Module):
    """Batch norm (after pooling, so the exporter cannot fold it), average and global average pooling,
    leaky ReLU, tanh and sigmoid (and constants: times 4, minus 2)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 12, 3, padding=1)
        self.fc = nn.Linear(12, 5)

    def forward(self, x):
        x = self.bn1(F.avg_pool2d(F.leaky_relu(self.conv1(x), 0.1), 2))
        x = F.adaptive_avg_pool2d(torch.tanh(self.conv2(x)), 1)
        return torch.sigmoid(self.fc(torch.flatten(x, 1))) * 4 - 2


class Residual(nn.Module):
    """A residual block (Add), a second branch joined by Concat, a reshape, normalization by constants
    and a final softmax (which the page leaves out and applies itself)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.a = nn.Conv2d(8, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 3, padding=1)
        self.side = nn.Conv2d(8, 4, 1)
        self.fc = nn.Linear(12 * 4 * 4, 3)

    def forward(self, x):
        x = F.relu(self.stem((x - 0.5) / 0.25))
        x = F.relu(x + self.b(F.relu(self.a(x))))
        x = F.max_pool2d(torch.cat([x, self.side(x)], 1), 4)
        return torch.softmax(self.fc(x.reshape(1, -1)), 1)


NETWORKS = {
    "chain": (Chain, (1, 28, 28)),
    "norm-and-average": (NormAndAverage, (3, 20, 20)),
    "residual": (Residual, (3, 16, 16)),
}


def _with_statistics(model: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):  # not the identity a fresh layer is
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


@pytest.mark.parametrize("kind", list(NETWORKS))
def test_exported_networks_compute_what_pytorch_and_onnxruntime_compute(kind):
    cls, shape = NETWORKS[kind]
    torch.manual_seed(1)
    model = _with_statistics(cls())
    data = exported(model, shape)
    opened = read_onnx(data, "net.onnx")
    assert opened.input_shape == shape
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.random((1, *shape), dtype=np.float32)
        with torch.no_grad():
            ours = opened.model(torch.from_numpy(x)).numpy()
            theirs = model(torch.from_numpy(x)).numpy()
        if opened.dropped_softmax:
            ours = torch.softmax(torch.from_numpy(ours), 1).numpy()
        np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)
        np.testing.assert_allclose(ours, onnxruntime_output(data, x), atol=1e-5, rtol=1e-5)


def test_the_residual_block_reads_its_own_inputs_and_the_layers_have_names():
    opened = read_onnx(exported(_with_statistics(Residual()), (3, 16, 16)))
    assert opened.dropped_softmax
    names = [name for name, _ in opened.model.named_children()]
    assert {"stem", "a", "b", "side", "fc"} <= set(names)
    adds = [n for n in names if opened.model.sources(n) and len(opened.model.sources(n)) == 2]
    assert adds, names  # the Add of the residual block reads two layers
    x = np.random.default_rng(0).random((3, 16, 16), dtype=np.float32)
    layers = capture(opened.model, x)
    by_name = {layer.name: layer for layer in layers}
    first = opened.model.sources(names[0])
    assert first == (INPUT,) or opened.model.sources(names[1]) == (names[0],)
    # layer_input follows the graph: the side branch reads the block's output, not the layer before it.
    side_source = opened.model.sources("side")[0]
    np.testing.assert_array_equal(layer_input(layers, "side", x), by_name[side_source].output)


def test_the_shipped_lenet_exported_and_read_back_matches_layer_by_layer():
    lenet = load_model("lenet5-mnist")
    opened = read_onnx(exported(lenet, (1, 32, 32)))
    x = np.random.default_rng(0).random((1, 32, 32), dtype=np.float32)
    ours, theirs = capture(opened.model, x), capture(lenet, x)
    assert [layer.name for layer in ours] == [layer.name for layer in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a.kind == b.kind
        np.testing.assert_allclose(a.output, b.output, atol=1e-5)


# ---------------------------------------------------------------- every supported op, alone, against onnxruntime
def _single(
    op: str, inputs: list[str], attrs: dict, initializers: list, shape=(1, 3, 8, 8), before: list | None = None
):
    """A graph: picture → a 1×1 convolution (ConvScope opens convolutional networks) → X → [before] → op →
    Flatten → Y (flattened so the output is one row of scores)."""
    c = shape[1]
    mix = _init("mix", np.eye(c, dtype=np.float32).reshape(c, c, 1, 1) * 1.5)
    nodes = [helper.make_node("Conv", ["picture", "mix"], ["X"], name="/first/Conv")] + list(before or [])
    nodes.append(helper.make_node(op, inputs, ["Z"], name=f"/{op.lower()}/{op}", **attrs))
    nodes.append(helper.make_node("Flatten", ["Z"], ["Y"], name="/out/Flatten"))
    graph = helper.make_graph(
        nodes,
        "single",
        [helper.make_tensor_value_info("picture", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        initializer=[mix, *initializers],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def _init(name: str, values: np.ndarray):
    return numpy_helper.from_array(np.asarray(values), name)


rng = np.random.default_rng(3)
W = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
FLAT = rng.normal(size=(192, 7)).astype(np.float32)
relu_first = [helper.make_node("Relu", ["X"], ["R"], name="/relu/Relu")]
flat_first = [helper.make_node("Flatten", ["X"], ["F"], name="/flat0/Flatten")]
OPS = {
    "Conv": (
        ["X", "w", "b"],
        dict(pads=[1, 1, 1, 1], strides=[2, 2]),
        [_init("w", W), _init("b", rng.normal(size=4).astype(np.float32))],
        None,
    ),
    "Gemm": (
        ["F", "m", "c"],
        dict(transB=1),
        [_init("m", FLAT.T.copy()), _init("c", rng.normal(size=7).astype(np.float32))],
        flat_first,
    ),
    "MatMul": (["F", "m"], {}, [_init("m", FLAT)], flat_first),
    "Relu": (["X"], {}, [], None),
    "LeakyRelu": (["X"], dict(alpha=0.2), [], None),
    "Sigmoid": (["X"], {}, [], None),
    "Tanh": (["X"], {}, [], None),
    "MaxPool": (["X"], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), [], None),
    "AveragePool": (["X"], dict(kernel_shape=[2, 2], strides=[2, 2]), [], None),
    "GlobalAveragePool": (["X"], {}, [], None),
    "GlobalMaxPool": (["X"], {}, [], None),
    "BatchNormalization": (
        ["X", "s", "o", "mu", "var"],
        dict(epsilon=1e-3),
        [
            _init(n, v)
            for n, v in zip("s o mu var".split(), rng.uniform(0.5, 1.5, (4, 3)).astype(np.float32), strict=True)
        ],
        None,
    ),
    "Add": (["X", "R"], {}, [], relu_first),
    "Sub": (["X", "k"], {}, [_init("k", np.float32(0.3))], None),
    "Mul": (["k", "X"], {}, [_init("k", rng.normal(size=(1, 3, 1, 1)).astype(np.float32))], None),
    "Div": (["X", "k"], {}, [_init("k", np.float32(4.0))], None),
    "Flatten": (["X"], dict(axis=1), [], None),
    "Reshape": (["X", "shape"], {}, [_init("shape", np.array([1, 0, 64, -1], np.int64))], None),
    "Concat": (["X", "R"], dict(axis=1), [], relu_first),
    "Transpose": (["X"], dict(perm=[0, 2, 3, 1]), [], None),
    "Softmax": (["F"], dict(axis=1), [], flat_first),
    "Dropout": (["X"], {}, [], None),
    "Identity": (["X"], {}, [], None),
    "Pad": (
        ["X", "pads", "value"],
        dict(mode="constant"),
        [_init("pads", np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64)), _init("value", np.float32(0.5))],
        None,
    ),
}


def test_every_supported_op_is_checked_here():
    assert set(OPS) | {"Constant"} == set(SUPPORTED)


@pytest.mark.parametrize("op", list(OPS))
def test_each_supported_op_computes_what_onnxruntime_computes(op):
    inputs, attrs, inits, before = OPS[op]
    data = _single(op, inputs, attrs, inits, before=before)
    x = np.random.default_rng(5).normal(size=(1, 3, 8, 8)).astype(np.float32)
    with torch.no_grad():
        ours = read_onnx(data).model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, onnxruntime_output(data, x), atol=1e-5, rtol=1e-5)


def test_a_channels_last_network_as_keras_exports_reads_the_pages_pictures():
    """Input (batch, height, width, channels) turned by a Transpose, and turned back before flattening."""
    w = _init("w", W)
    fc = _init("fc", rng.normal(size=(5, 8 * 8 * 4)).astype(np.float32))
    nodes = [
        helper.make_node("Transpose", ["X"], ["T"], perm=[0, 3, 1, 2], name="to_channels_first"),
        helper.make_node("Conv", ["T", "w"], ["C"], pads=[1, 1, 1, 1], name="conv2d"),
        helper.make_node("Relu", ["C"], ["R"], name="relu"),
        helper.make_node("Transpose", ["R"], ["B"], perm=[0, 2, 3, 1], name="to_channels_last"),
        helper.make_node("Flatten", ["B"], ["F"], name="flatten"),
        helper.make_node("Gemm", ["F", "fc"], ["Y"], transB=1, name="dense"),
    ]
    graph = helper.make_graph(
        nodes,
        "keras-like",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 8, 8, 3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        initializer=[w, fc],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    data = model.SerializeToString()
    opened = read_onnx(data)
    assert opened.input_shape == (3, 8, 8) and opened.model.channels_last
    x_nhwc = np.random.default_rng(2).random((2, 8, 8, 3), dtype=np.float32)
    with torch.no_grad():
        ours = opened.model(torch.from_numpy(x_nhwc.transpose(0, 3, 1, 2).copy())).numpy()
    np.testing.assert_allclose(ours, onnxruntime_output(data, x_nhwc), atol=1e-5)
    assert [layer.name for layer in capture(opened.model, x_nhwc[0].transpose(2, 0, 1))][:2] == [
        "to_channels_first",
        "conv2d",
    ]


def test_a_constant_node_feeds_the_layer_that_reads_it():
    k = helper.make_node("Constant", [], ["k"], value=numpy_helper.from_array(np.float32(2.5), "k"))
    data = _single("Mul", ["X", "k"], {}, [], before=[k])
    x = np.ones((1, 3, 8, 8), np.float32)
    np.testing.assert_allclose(read_onnx(data).model(torch.from_numpy(x)).numpy(), onnxruntime_output(data, x))


# ---------------------------------------------------------------- hostile and unsupported files
GOOD = _single("Relu", ["X"], {}, [])


def _message(data: bytes) -> str:
    with pytest.raises(ConvScopeError) as info:
        read_onnx(data, "upload.onnx")
    return str(info.value)


def test_a_truncated_file_is_called_damaged():
    data = exported(Chain(), (1, 28, 28))
    assert "damaged" in _message(data[: len(data) // 2]) or "not an ONNX file" in _message(data[: len(data) // 2])


def test_a_file_that_is_not_onnx_is_said_to_be_so():
    assert "not an ONNX file" in _message(b"GIF89a" + bytes(range(256)) * 4) or "holds no network" in _message(
        b"GIF89a" + bytes(range(256)) * 4
    )
    assert "holds no network" in _message(b"")


def test_an_unknown_op_is_named_with_what_is_supported():
    data = _single("Einsum", ["X", "X"], dict(equation="bchw,bchw->bchw"), [])
    message = _message(data)
    assert "Einsum" in message and "Conv" in message


def test_a_custom_domain_is_refused():
    model = onnx.ModelProto.FromString(GOOD)
    model.opset_import.append(helper.make_opsetid("com.example.evil", 1))
    assert "custom domain" in _message(model.SerializeToString())


def test_a_network_without_a_convolution_is_refused():
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["X"], ["Y"])],
        "mlp",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
    )
    assert "no convolution" in _message(helper.make_model(graph).SerializeToString())


def test_a_huge_declared_tensor_is_refused_before_it_is_read():
    huge = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[100_000, 100_000])
    huge.raw_data = b"\0" * 16
    data = _single("Conv", ["X", "w"], {}, [huge])
    assert "declares 10,000,000,000 values" in _message(data)


def test_dims_whose_product_would_wrap_around_are_still_refused():
    wrapping = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2**32, 2**32, 1, 1])
    assert "more than the" in _message(_single("Conv", ["X", "w"], {}, [wrapping]))


def test_a_tensor_holding_fewer_bytes_than_it_declares_is_damaged():
    short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 3, 3, 3])
    short.raw_data = b"\0" * 40
    assert "damaged" in _message(_single("Conv", ["X", "w"], {}, [short]))


def test_weights_kept_in_an_outside_file_are_refused():
    outside = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 3, 3, 3])
    outside.data_location = TensorProto.EXTERNAL
    entry = outside.external_data.add()
    entry.key, entry.value = "location", "/etc/passwd"
    assert "separate file" in _message(_single("Conv", ["X", "w"], {}, [outside]))


def test_a_file_over_the_size_limit_is_refused_unread():
    assert f"at most {MAX_FILE_MB} MB" in _message(b"\0" * (MAX_FILE_MB * 1024 * 1024 + 1))


@pytest.mark.parametrize(
    "shape,words",
    [
        ((1, 5, 8, 8), "5 channels"),
        ((1, 3, 512, 512), "to 256×256"),
        ((1, 1, 4, 4), "from 8×8"),
        ((1, 3, "h", "w"), "fixed"),
    ],
)
def test_inputs_it_cannot_feed_say_what_the_network_expects(shape, words):
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["X"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    assert words in _message(model.SerializeToString())


def test_an_output_that_is_not_one_row_of_scores_is_refused():
    graph = helper.make_graph(
        [helper.make_node("Conv", ["X", "w"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        initializer=[_init("w", W)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    assert "one score per class" in _message(model.SerializeToString())


def test_grouped_convolutions_and_uneven_padding_are_named():
    w = _init("w", rng.normal(size=(3, 1, 3, 3)).astype(np.float32))
    assert "grouped" in _message(_single("Conv", ["X", "w"], dict(group=3), [w]))
    w4 = _init("w", W)
    assert "uneven padding" in _message(_single("Conv", ["X", "w"], dict(pads=[0, 0, 1, 1]), [w4]))


def test_a_node_missing_its_attributes_is_named():
    assert "cannot be read" in _message(_single("MaxPool", ["X"], {}, []))  # no kernel_shape


def test_too_many_operations_are_refused_before_they_are_built():
    nodes = [helper.make_node("Relu", ["X" if i == 0 else f"r{i - 1}"], [f"r{i}"]) for i in range(1200)]
    nodes.append(helper.make_node("Flatten", ["r1199"], ["Y"]))
    graph = helper.make_graph(
        nodes,
        "deep",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    assert "at most 1,000" in _message(model.SerializeToString())


def test_a_network_that_fails_on_a_picture_says_why():
    w = _init("w", rng.normal(size=(4, 3, 11, 11)).astype(np.float32))  # an 11×11 kernel on an 8×8 picture
    assert "could not be run on a 3×8×8 picture" in _message(_single("Conv", ["X", "w"], {}, [w]))
