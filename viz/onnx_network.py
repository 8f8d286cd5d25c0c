"""Your own network: an ONNX file read into a PyTorch module that Inside the CNN can open.

The file is parsed as data (protobuf, by the ``onnx`` package) and every node is turned into a torch
module from a whitelist of operations; nothing in the file is ever executed as code, no custom
operator domain or external data file is accepted, and every tensor's declared size is checked
against the bytes it really holds before it is read. The network runs on torch, so gradients (the
probes) work as on the shipped networks.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from viz.errors import ConvScopeError, quoted
from viz.images import MAX_UPLOAD_MB

MAX_FILE_MB = MAX_UPLOAD_MB  # as photos: larger uploads would not stay in memory (see viz.ui.server)
MAX_TENSOR_VALUES = 20_000_000  # one tensor's declared values, at most (80 MB of float32)
MAX_SIDE = 256  # the input's height and width, at most
MAX_NODES = 1000  # operations in the graph, at most
MAX_FORWARD_S = 1.5  # one forward pass of one picture, at most, on this machine
INPUT = "input"  # the name of the network's input, as a layer's source


# ---------------------------------------------------------------- the operations
class Binary(nn.Module):
    """Add, Sub, Mul or Div of two layer outputs, or of one and a constant (kept as a buffer)."""

    OPS = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div}

    def __init__(self, op: str, constant: torch.Tensor | None = None, constant_first: bool = False) -> None:
        super().__init__()
        self.op, self.constant_first = op, constant_first
        self.register_buffer("constant", constant if constant is not None else None)

    def forward(self, a: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        if b is None:
            a, b = (self.constant, a) if self.constant_first else (a, self.constant)
        return self.OPS[self.op](a, b)

    def extra_repr(self) -> str:
        return self.op


class Concat(nn.Module):
    def __init__(self, axis: int) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.axis)


class Reshape(nn.Module):
    """ONNX Reshape with a constant target shape (0 keeps that dimension, -1 is inferred)."""

    def __init__(self, shape: list[int]) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(self.shape)]
        return x.reshape(shape)


class Transpose(nn.Module):
    def __init__(self, perm: list[int]) -> None:
        super().__init__()
        self.perm = perm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(*self.perm)


class Softmax(nn.Module):
    def __init__(self, axis: int) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.softmax(x, dim=self.axis)


class Pad(nn.Module):
    """Constant padding of the height and width (ONNX pads: begin of every axis, then end)."""

    def __init__(self, pads: list[int], value: float) -> None:
        super().__init__()
        n = len(pads) // 2
        begin, end = pads[:n], pads[n:]
        if any(begin[:-2]) or any(end[:-2]):
            raise ConvScopeError("Pad: only the height and width can be padded.")
        self.pads, self.value = (begin[-1], end[-1], begin[-2], end[-2]), value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pads, value=self.value)


SUPPORTED = (
    "Conv Gemm MatMul Relu LeakyRelu Sigmoid Tanh MaxPool AveragePool GlobalAveragePool GlobalMaxPool "
    "BatchNormalization Add Sub Mul Div Flatten Reshape Transpose Concat Softmax Dropout Identity Pad Constant"
).split()


# ---------------------------------------------------------------- reading the file
def _onnx():
    import onnx  # imported when a file is opened: the app starts without it

    return onnx


def _array(tensor) -> np.ndarray:
    """A TensorProto's values, after checking the size it declares against the bytes it holds."""
    onnx = _onnx()
    from onnx import numpy_helper

    if tensor.data_location == onnx.TensorProto.EXTERNAL or tensor.external_data:
        raise ConvScopeError(
            f"The tensor {quoted(tensor.name, 40)} keeps its values in a separate file; export with the weights inside "
            "the .onnx file (one file)."
        )
    count = math.prod(int(d) for d in tensor.dims)  # Python integers: a product of huge dims cannot wrap
    if count < 0 or count > MAX_TENSOR_VALUES:
        raise ConvScopeError(
            f"The tensor {quoted(tensor.name, 40)} declares {count:,} values ({list(tensor.dims)}), more than the "
            f"{MAX_TENSOR_VALUES:,} a network here may hold in one tensor."
        )
    if tensor.raw_data:
        try:
            itemsize = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type)).itemsize
        except (KeyError, TypeError, ValueError):
            raise ConvScopeError(
                f"The tensor {quoted(tensor.name, 40)} has a data type ConvScope does not read."
            ) from None
        if len(tensor.raw_data) != count * itemsize:
            raise ConvScopeError(
                f"The tensor {quoted(tensor.name, 40)} declares {count:,} values but holds {len(tensor.raw_data):,} bytes: "
                "the file is damaged."
            )
    try:
        return numpy_helper.to_array(tensor).copy()
    except Exception as exc:  # a malformed tensor: say which
        raise ConvScopeError(f"The tensor {quoted(tensor.name, 40)} cannot be read ({exc}).") from exc


def _attributes(node) -> dict:
    onnx = _onnx()
    out = {}
    for a in node.attribute:
        if a.type == onnx.AttributeProto.TENSOR:
            out[a.name] = _array(a.t)
        else:
            out[a.name] = onnx.helper.get_attribute_value(a)
    return out


def _layer_name(node, index: int, taken: set[str]) -> str:
    """A short, unique, attribute-safe name: '/layer1/conv1/Conv' -> 'layer1_conv1'; else op + index."""
    path = node.name.strip("/").split("/")
    if len(path) > 1 and path[-1].split("_")[0] == node.op_type:
        path = path[:-1]
    base = re.sub(r"\W+", "_", "_".join(path)).strip("_") or f"{node.op_type.lower()}{index}"
    if base[0].isdigit():
        base = f"{node.op_type.lower()}_{base}"
    name, n = base, 2
    while name in taken or name == INPUT:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _symmetric(pads: list[int], op: str) -> tuple[int, int]:
    if not pads:
        return (0, 0)
    top, left, bottom, right = pads
    if (top, left) != (bottom, right):
        raise ConvScopeError(f"{op}: uneven padding ({pads}) is not supported; pad evenly, or use a Pad layer.")
    return (top, left)


def _check_auto_pad(attrs: dict, op: str) -> None:
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto not in ("NOTSET", "VALID"):
        raise ConvScopeError(f"{op}: auto_pad={auto} is not supported; export with explicit pads.")


def _module(node, attrs: dict, constants: dict[str, np.ndarray]) -> nn.Module:
    """The torch module for one node; its weights come from the file's initializers."""
    op = node.op_type

    def const(i: int) -> np.ndarray:
        if i >= len(node.input) or node.input[i] not in constants:
            raise ConvScopeError(f"{op} node {quoted(node.name, 40)}: its input {i} must be a constant in the file.")
        return constants[node.input[i]]

    if op == "Conv":
        _check_auto_pad(attrs, op)
        w = const(1)
        if w.ndim != 4:
            raise ConvScopeError(f"Conv {quoted(node.name, 40)}: only 2-D convolutions are supported.")
        if list(attrs.get("dilations", [1, 1])) != [1, 1]:
            raise ConvScopeError(f"Conv {quoted(node.name, 40)}: dilated convolutions are not supported yet.")
        if attrs.get("group", 1) != 1:
            raise ConvScopeError(
                f"Conv {quoted(node.name, 40)}: grouped (depthwise) convolutions are not supported yet."
            )
        conv = nn.Conv2d(
            w.shape[1],
            w.shape[0],
            tuple(w.shape[2:]),
            stride=tuple(attrs.get("strides", [1, 1])),
            padding=_symmetric(list(attrs.get("pads", [])), op),
            dilation=tuple(attrs.get("dilations", [1, 1])),
            bias=len(node.input) > 2,
        )
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(w))
            if conv.bias is not None:
                conv.bias.copy_(torch.from_numpy(const(2)))
        return conv
    if op in ("Gemm", "MatMul"):
        if op == "Gemm" and (attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0):
            raise ConvScopeError(f"Gemm {quoted(node.name, 40)}: only transA=0, alpha=1, beta=1 is supported.")
        b = const(1)
        weight = b if op == "Gemm" and attrs.get("transB", 0) else b.T
        has_bias = op == "Gemm" and len(node.input) > 2 and node.input[2]
        linear = nn.Linear(weight.shape[1], weight.shape[0], bias=bool(has_bias))
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
            if has_bias:
                linear.bias.copy_(torch.from_numpy(np.broadcast_to(const(2), (weight.shape[0],)).copy()))
        return linear
    if op == "Relu":
        return nn.ReLU()
    if op == "LeakyRelu":
        return nn.LeakyReLU(attrs.get("alpha", 0.01))
    if op == "Sigmoid":
        return nn.Sigmoid()
    if op == "Tanh":
        return nn.Tanh()
    if op in ("MaxPool", "AveragePool"):
        _check_auto_pad(attrs, op)
        kernel = tuple(attrs["kernel_shape"])
        common = dict(
            stride=tuple(attrs.get("strides", [1] * len(kernel))),
            padding=_symmetric(list(attrs.get("pads", [])), op),
            ceil_mode=bool(attrs.get("ceil_mode", 0)),
        )
        if list(attrs.get("dilations", [1, 1])) != [1, 1]:
            raise ConvScopeError(f"MaxPool {quoted(node.name, 40)}: dilated pooling is not supported.")
        # Square windows as plain numbers, as the shipped networks have them (the page writes "2×2").
        common = {k: (v[0] if isinstance(v, tuple) and len(set(v)) == 1 else v) for k, v in common.items()}
        kernel = kernel[0] if len(set(kernel)) == 1 else kernel
        if op == "MaxPool":
            return nn.MaxPool2d(kernel, **common)
        return nn.AvgPool2d(kernel, count_include_pad=bool(attrs.get("count_include_pad", 0)), **common)
    if op == "GlobalAveragePool":
        return nn.AdaptiveAvgPool2d(1)
    if op == "GlobalMaxPool":
        return nn.AdaptiveMaxPool2d(1)
    if op == "BatchNormalization":
        scale, bias, mean, var = (const(i) for i in range(1, 5))
        bn = nn.BatchNorm2d(len(scale), eps=attrs.get("epsilon", 1e-5))
        with torch.no_grad():
            for target, values in ((bn.weight, scale), (bn.bias, bias), (bn.running_mean, mean), (bn.running_var, var)):
                target.copy_(torch.from_numpy(values))
        return bn.eval()
    if op in Binary.OPS:
        known = [i for i in (0, 1) if node.input[i] in constants]
        if len(known) == 2:
            raise ConvScopeError(f"{op} {quoted(node.name, 40)}: both inputs are constants (fold it when exporting).")
        if known:
            return Binary(op, torch.from_numpy(constants[node.input[known[0]]]), constant_first=known[0] == 0)
        return Binary(op)
    if op == "Flatten":
        if attrs.get("axis", 1) != 1:
            raise ConvScopeError(f"Flatten {quoted(node.name, 40)}: only axis=1 is supported.")
        return nn.Flatten()
    if op == "Reshape":
        return Reshape([int(v) for v in const(1).ravel()])
    if op == "Concat":
        return Concat(int(attrs["axis"]))
    if op == "Transpose":
        return Transpose([int(v) for v in attrs["perm"]])
    if op == "Softmax":
        return Softmax(int(attrs.get("axis", -1)))
    if op in ("Dropout", "Identity"):
        return nn.Identity()
    if op == "Pad":
        mode = attrs.get("mode", b"constant")
        if (mode.decode() if isinstance(mode, bytes) else mode) != "constant":
            raise ConvScopeError(f"Pad {quoted(node.name, 40)}: only constant padding is supported.")
        pads = [int(v) for v in (const(1).ravel() if len(node.input) > 1 else attrs["pads"])]
        value = float(const(2).ravel()[0]) if len(node.input) > 2 and node.input[2] else 0.0
        return Pad(pads, value)
    raise ConvScopeError(f"The operation {op} is not supported.")  # not reached: checked before


@dataclass(frozen=True)
class Step:
    name: str  # the layer's name in the page
    op: str  # the ONNX operation
    inputs: tuple[str, ...]  # the layers (or INPUT) it reads
    output: str  # the ONNX value it writes


class OnnxNetwork(nn.Module):
    """An ONNX graph as torch modules, run in the file's (topological) order.

    Every node is a child module under its layer name, so named_children() lists the layers in order,
    as for the shipped networks; walk() also yields each layer's output.
    """

    def __init__(self, steps: list[Step], modules: dict[str, nn.Module], input_name: str, output: str) -> None:
        super().__init__()
        self.steps, self.input_name, self.output = steps, input_name, output
        for step in steps:
            self.add_module(step.name, modules[step.name])

    channels_last = False  # the file reads (batch, height, width, channels), as Keras networks do

    def _run(self, x: torch.Tensor, values: dict) -> Iterator[tuple[str, nn.Module, torch.Tensor]]:
        # The page always gives (batch, channels, height, width); a channels-last file gets it turned.
        values[self.input_name] = x.permute(0, 2, 3, 1) if self.channels_last else x
        for step in self.steps:
            module = getattr(self, step.name)
            values[step.output] = module(*(values[v] for v in step.inputs))
            yield step.name, module, values[step.output]

    batch_of_one = False  # True when the file fixes the batch at 1 (a Reshape to (1, -1), say)

    def walk(self, x: torch.Tensor) -> Iterator[tuple[str, nn.Module, torch.Tensor]]:
        if self.batch_of_one and len(x) > 1:  # one picture at a time, each layer's outputs joined
            runs = [self._run(x[i : i + 1], {}) for i in range(len(x))]
            for rows in zip(*runs, strict=True):
                yield rows[0][0], rows[0][1], torch.cat([out for _, _, out in rows])
            return
        yield from self._run(x, {})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.batch_of_one and len(x) > 1:
            return torch.cat([self(x[i : i + 1]) for i in range(len(x))])
        values: dict[str, torch.Tensor] = {}
        for _ in self._run(x, values):
            pass
        return values[self.output]

    def sources(self, name: str) -> tuple[str, ...]:
        """The layers (or INPUT) that layer `name` reads, in order."""
        by_output = {step.output: step.name for step in self.steps}
        step = next(s for s in self.steps if s.name == name)
        return tuple(INPUT if v == self.input_name else by_output[v] for v in step.inputs)


@dataclass(frozen=True)
class OpenedNetwork:
    model: OnnxNetwork
    input_shape: tuple[int, int, int]  # (C, H, W)
    outputs: int
    forward_seconds: float
    producer: str  # which tool wrote the file
    dropped_softmax: bool  # its last layer was a Softmax, left out (the page shows scores, then softmax)


def _shape_of(value) -> list:
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in value.type.tensor_type.shape.dim]


def _first_is_to_channels_first(graph, input_name: str) -> bool:
    """Whether every node reading the input is a Transpose to (batch, channels, height, width)."""
    readers = [n for n in graph.node if input_name in n.input]
    return bool(readers) and all(
        n.op_type == "Transpose"
        and list(_onnx().helper.get_attribute_value(a) for a in n.attribute if a.name == "perm") == [[0, 3, 1, 2]]
        for n in readers
    )


def read_onnx(data: bytes, name: str = "the file") -> OpenedNetwork:
    """Parse, check and convert an ONNX file's bytes; a ConvScopeError says what is wrong, in words
    (anything the file names is quoted, so a message can be shown as Markdown)."""
    name = quoted(name, 60)
    if len(data) > MAX_FILE_MB * 1024 * 1024:
        raise ConvScopeError(f"{name} is {len(data) / 1e6:.0f} MB; a network here may be at most {MAX_FILE_MB} MB.")
    onnx = _onnx()
    try:
        proto = onnx.ModelProto.FromString(data)
    except Exception as exc:
        raise ConvScopeError(f"{name} is not an ONNX file (or it is damaged): {type(exc).__name__}.") from exc
    graph = proto.graph
    if not graph.node or not graph.output or not proto.ir_version:
        raise ConvScopeError(f"{name} holds no network: is it an ONNX file exported from a framework?")
    for opset in proto.opset_import:
        if opset.domain not in ("", "ai.onnx"):
            raise ConvScopeError(
                f"{name} uses operations of the custom domain {quoted(opset.domain, 40)}, which ConvScope does not run."
            )
    unknown = sorted({n.op_type for n in graph.node if n.op_type not in SUPPORTED or n.domain not in ("", "ai.onnx")})
    if unknown:
        raise ConvScopeError(
            f"{name} uses {', '.join(quoted(op, 30) for op in unknown)}, which ConvScope does not support. It supports: {', '.join(SUPPORTED)}."
        )
    if len(graph.node) > MAX_NODES:
        raise ConvScopeError(
            f"{name} has {len(graph.node):,} operations; a network here may have at most {MAX_NODES:,}."
        )
    constants = {t.name: _array(t) for t in graph.initializer}
    inputs = [v for v in graph.input if v.name not in constants]
    if len(inputs) != 1:
        raise ConvScopeError(f"{name} has {len(inputs)} inputs; ConvScope opens networks with one picture as input.")
    shape = _shape_of(inputs[0])
    channels_last = (
        len(shape) == 4
        and shape[3] in (1, 3)
        and shape[1] not in (1, 3)
        and _first_is_to_channels_first(graph, inputs[0].name)
    )
    dims = (shape[3], shape[1], shape[2]) if channels_last else shape[1:] if len(shape) == 4 else None
    if dims is None or not all(isinstance(d, int) and d > 0 for d in dims):
        raise ConvScopeError(
            f"{name} expects an input of shape {shape}; ConvScope needs (batch, channels, height, width) with fixed "
            "channels, height and width (export with a fixed-size example picture)."
        )
    c, h, w = dims
    if c not in (1, 3) or max(h, w) > MAX_SIDE or min(h, w) < 8:
        raise ConvScopeError(
            f"{name} expects pictures of {c} channel{'s' if c > 1 else ''} at {h}×{w}; ConvScope opens networks "
            f"that read 1 (grey) or 3 (RGB) channels, from 8×8 to {MAX_SIDE}×{MAX_SIDE}."
        )
    if not any(n.op_type == "Conv" for n in graph.node):
        raise ConvScopeError(f"{name} has no convolution: ConvScope opens convolutional networks (at least one Conv).")
    steps, modules, taken, known = [], {}, set(), {inputs[0].name}
    for index, node in enumerate(graph.node):
        try:
            attrs = _attributes(node)
        except (ValueError, TypeError, IndexError) as exc:
            if isinstance(exc, ConvScopeError):
                raise
            raise ConvScopeError(f"{name}: the attributes of node {quoted(node.name, 40)} cannot be read.") from exc
        if node.op_type == "Constant" and not attrs:
            raise ConvScopeError(f"{name}: the Constant node {quoted(node.name, 40)} holds no value.")
        if node.op_type == "Constant":
            constants[node.output[0]] = next(iter(attrs.values()))
            continue
        data_inputs = tuple(v for v in node.input if v and v not in constants)
        missing = [v for v in data_inputs if v not in known]
        if missing:
            raise ConvScopeError(
                f"{name}: node {quoted(node.name, 40)} reads {quoted(missing[0], 40)} before anything writes it."
            )
        layer = _layer_name(node, index, taken)
        try:
            modules[layer] = _module(node, attrs, constants)
        except (KeyError, ValueError, TypeError, IndexError, RuntimeError) as exc:
            if isinstance(exc, ConvScopeError):
                raise
            raise ConvScopeError(
                f"{name}: the {quoted(node.op_type, 30)} node {quoted(node.name, 40)} cannot be read "
                f"({type(exc).__name__}: {quoted(exc, 60)})."
            ) from exc
        if node.op_type in Binary.OPS and not data_inputs:
            raise ConvScopeError(f"{name}: node {quoted(node.name, 40)} computes on constants only.")
        steps.append(Step(layer, node.op_type, data_inputs, node.output[0]))
        known.add(node.output[0])
    output = graph.output[0].name
    if output not in known:
        raise ConvScopeError(f"{name}: its output {quoted(output, 40)} is never computed.")
    dropped_softmax = bool(steps) and steps[-1].op == "Softmax" and steps[-1].output == output
    if dropped_softmax:  # the page shows the scores before softmax, and applies softmax itself
        output = steps[-1].inputs[0]
        modules.pop(steps.pop().name)
    model = OnnxNetwork(steps, modules, inputs[0].name, output).eval()
    model.channels_last = channels_last
    for p in model.parameters():
        p.requires_grad_(False)
    start = time.perf_counter()
    try:
        with torch.no_grad():
            logits = model(torch.zeros(1, c, h, w))
    except (RuntimeError, ValueError, IndexError, TypeError, KeyError) as exc:
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ConvScopeError(f"{name} could not be run on a {c}×{h}×{w} picture: {quoted(first_line, 120)}") from exc
    seconds = time.perf_counter() - start
    try:  # the probes feed batches; a file that fixes the batch at 1 is fed one picture at a time
        with torch.no_grad():
            model.batch_of_one = model(torch.zeros(2, c, h, w)).shape[0] != 2
    except (RuntimeError, ValueError, IndexError):
        model.batch_of_one = True
    if seconds > MAX_FORWARD_S:
        raise ConvScopeError(
            f"{name} takes {seconds:.1f} s for one picture here; ConvScope opens networks that take at most "
            f"{MAX_FORWARD_S} s (a class of thirty shares this computer)."
        )
    if logits.ndim != 2 or logits.shape[0] != 1:
        raise ConvScopeError(
            f"{name} outputs a tensor of shape {list(logits.shape)}; ConvScope needs one score per class, (1, classes)."
        )
    producer = f"{proto.producer_name} {proto.producer_version}".strip() or "an unnamed tool"
    return OpenedNetwork(model, (c, h, w), int(logits.shape[1]), seconds, producer, dropped_softmax)


# ---------------------------------------------------------------- how the page feeds it and names its classes
@dataclass(frozen=True)
class Reading:
    """How a picture becomes this network's input, and what its outputs are called (from the optional JSON)."""

    classes: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    preprocessing: str  # "resize" (centre crop to its shape, then resize) or "mnist" (a digit, as MNIST)


_NAME = re.compile(r"[\w .,'()-]{1,40}")  # what a class name may hold: it is shown in charts and text
SETTINGS_EXAMPLE = '{"classes": ["cat", "dog"], "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}'


def reading_for(opened: OpenedNetwork, settings: bytes | None) -> Reading:
    """The JSON the user may add ({"classes": [...], "mean": [...], "std": [...], "preprocessing": "mnist"}),
    checked against the network; without it: "class 0…N", pixels in [0, 1], centre crop and resize."""
    c = opened.input_shape[0]
    values: dict = {}
    if settings:
        import json

        if len(settings) > 200_000:
            raise ConvScopeError("The settings file (.json) is too large: it only names classes and the normalization.")
        try:
            values = json.loads(settings.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ConvScopeError(
                f"The settings file (.json) is not valid JSON. For example: {SETTINGS_EXAMPLE}"
            ) from None
        if not isinstance(values, dict):
            raise ConvScopeError(f"The settings file (.json) must be one object, for example: {SETTINGS_EXAMPLE}")
    classes = values.get("classes", [f"class {i}" for i in range(opened.outputs)])
    if not isinstance(classes, list) or not all(isinstance(k, str) and _NAME.fullmatch(k) for k in classes):
        raise ConvScopeError(
            '"classes" must be a list of names of up to 40 letters, digits, spaces and - _ . , \' ( ) each.'
        )
    if len(classes) != opened.outputs:
        raise ConvScopeError(f'"classes" names {len(classes)} classes, but the network gives {opened.outputs} scores.')

    def per_channel(key: str, default: float) -> tuple[float, ...]:
        v = values.get(key, [default] * c)
        v = [v] * c if isinstance(v, int | float) else v
        if not isinstance(v, list) or len(v) != c or not all(isinstance(n, int | float) and np.isfinite(n) for n in v):
            raise ConvScopeError(f'"{key}" must be {c} number{"s" if c > 1 else ""}, one per input channel.')
        return tuple(float(n) for n in v)

    mean, std = per_channel("mean", 0.0), per_channel("std", 1.0)
    if min(std) <= 0:
        raise ConvScopeError('"std" must be above 0 for every channel.')
    preprocessing = values.get("preprocessing", "resize")
    if preprocessing not in ("resize", "mnist") or (preprocessing == "mnist" and c != 1):
        raise ConvScopeError('"preprocessing" is "resize" (any picture) or "mnist" (a digit, for 1-channel networks).')
    return Reading(tuple(classes), mean, std, preprocessing)


def input_kind(opened: OpenedNetwork, reading: Reading) -> str:
    """Which inputs the page offers it: "onnx-digit" (MNIST-style), "onnx-gray" or "onnx-photo"."""
    if reading.preprocessing == "mnist":
        return "onnx-digit"
    return "onnx-gray" if opened.input_shape[0] == 1 else "onnx-photo"


def preprocess_for(opened: OpenedNetwork, reading: Reading):
    """(H, W, 3) pixels in [0, 1] -> the network's (C, H, W) input, as `reading` says."""
    from viz.preprocess import _resize, digit_to_mnist, luminance

    c, h, w = opened.input_shape
    mean = np.asarray(reading.mean, np.float32)[:, None, None]
    std = np.asarray(reading.std, np.float32)[:, None, None]

    def prepare(rgb: np.ndarray) -> np.ndarray:
        if reading.preprocessing == "mnist":
            digit = digit_to_mnist(rgb)[0]
            pixels = digit[2:30, 2:30] if (h, w) == (28, 28) else _resize(digit, (w, h))
            pixels = pixels[None]
        else:
            ih, iw = rgb.shape[:2]  # the largest centred crop of the network's shape, then resized to it
            scale = min(ih / h, iw / w)
            ch, cw = max(1, round(h * scale)), max(1, round(w * scale))
            top, left = (ih - ch) // 2, (iw - cw) // 2
            crop = rgb[top : top + ch, left : left + cw]
            crop = luminance(crop) if c == 1 else crop
            small = _resize(crop, (w, h))
            pixels = small[None] if c == 1 else small.transpose(2, 0, 1)
        return ((pixels - mean) / std).astype(np.float32)

    return prepare


def reading_words(opened: OpenedNetwork, reading: Reading) -> str:
    c, h, w = opened.input_shape
    if reading.preprocessing == "mnist":
        how = "As MNIST was made: cropped to the ink, scaled into 20×20, centred by its centre of mass, white on black"
        how += ", 28×28." if (h, w) == (28, 28) else f", resized to {h}×{w}."
    else:
        d = math.gcd(h, w)
        shape = "a square" if h == w else f"its {w // d}:{h // d} shape (width:height)"
        how = f"Centre-cropped to {shape} and resized to {h}×{w} pixels" + (", in grey (luminance)." if c == 1 else ".")
    if any(reading.mean) or any(s != 1 for s in reading.std):
        how += f" Each channel then (pixel − {list(reading.mean)}) ÷ {list(reading.std)}."
    else:
        how += " Pixels from 0 (black) to 1 (white)."
    return how


def onnx_spec(model_id: str, opened: OpenedNetwork, reading: Reading, file_name: str):
    """The inspector's description of an opened network (a viz.models.ModelSpec)."""
    from viz.models.registry import ModelSpec
    from viz.probes.pixel_space import PixelSpace

    c, h, w = opened.input_shape
    space = PixelSpace(reading.mean, reading.std, reading_words(opened, reading))

    def to_display(x: np.ndarray) -> np.ndarray:
        pixels = space.to_pixels(x)
        return pixels[0] if c == 1 else pixels.transpose(1, 2, 0)

    short = _short(file_name)
    return ModelSpec(
        model_id=model_id,
        title=f"Yours: {short}",
        summary=(
            f"Opened from {short} (written by {opened.producer}): reads {c}×{h}×{w} pictures and gives "
            f"{opened.outputs} scores; for this session only."
            + (
                " Its final Softmax is left out: the page shows the scores before it, then applies it."
                if opened.dropped_softmax
                else ""
            )
        ),
        architecture=lambda: None,
        input_shape=opened.input_shape,
        classes=reading.classes,
        input_kind=input_kind(opened, reading),
        preprocess=preprocess_for(opened, reading),
        to_display=to_display,
        preprocessing_note=reading_words(opened, reading),
        pixels=space,
    )


def _short(file_name: str) -> str:
    """The file's name as the page shows it: letters, digits and . _ - only, at most 40 characters."""
    safe = re.sub(r"[^\w.-]+", "_", file_name) or "network.onnx"
    return safe if len(safe) <= 40 else safe[:37] + "…"


def onnx_card(opened: OpenedNetwork, reading: Reading, file_name: str) -> dict:
    """What the page says of an opened network: its layers and parameters (its accuracy is not known)."""
    from viz.activations import layer_table, parameter_count

    return {
        "kind": "onnx",
        "name": _short(file_name),
        "classes": list(reading.classes),
        "parameters": parameter_count(opened.model),
        "test_accuracy": None,
        "test_images": 0,
        "layers": layer_table(opened.model, opened.input_shape),
        "forward_seconds": round(opened.forward_seconds, 4),
    }
