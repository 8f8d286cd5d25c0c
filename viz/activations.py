"""Running a network and capturing every layer's output, by the layer's own name.

The networks are ``nn.Sequential`` with named children (conv1, relu1, pool1,
…), so capturing is an ordered walk: no hooks to forget to remove.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from viz.ops import as_tensor

LAYER_KINDS = {
    nn.Conv2d: "conv",
    nn.ReLU: "relu",
    nn.MaxPool2d: "pool",
    nn.Flatten: "flatten",
    nn.Linear: "fc",
    # Found in networks opened from ONNX files:
    nn.BatchNorm2d: "norm",
    nn.AvgPool2d: "avgpool",
    nn.AdaptiveAvgPool2d: "avgpool",
    nn.AdaptiveMaxPool2d: "globalmax",
    nn.LeakyReLU: "activation",
    nn.Sigmoid: "activation",
    nn.Tanh: "activation",
}


def layer_kind(module: nn.Module) -> str:
    """'conv', 'relu', 'pool', 'flatten' or 'fc' (what the page explains step by step), or, for layers
    of networks opened from ONNX files, 'norm', 'avgpool', 'globalmax', 'activation' or 'op' (any other)."""
    for cls, kind in LAYER_KINDS.items():
        if isinstance(module, cls):
            return kind
    return "op"


def sources(model: nn.Module, name: str) -> tuple[str, ...]:
    """The layers (or "input") that layer `name` of a graph reads; () in a chain, where it is the one before."""
    return model.sources(name) if hasattr(model, "sources") else ()


def walk(model: nn.Module, x: torch.Tensor) -> Iterator[tuple[str, nn.Module, torch.Tensor]]:
    """(name, module, output) of every layer in order: a chain of named children, or a graph that
    knows its own order (a network opened from an ONNX file)."""
    if hasattr(model, "walk"):
        yield from model.walk(x)
        return
    for name, module in model.named_children():
        x = module(x)
        yield name, module, x


@dataclass(frozen=True)
class LayerOutput:
    """One layer's name, kind and output for a single input (the module is model.<name>)."""

    name: str
    kind: str
    output: np.ndarray  # (C, H, W) for conv/relu/pool, (F,) after flatten
    sources: tuple[str, ...] = ()  # the layers it reads ("input": the network's input); () = the previous one

    @property
    def shape_label(self) -> str:
        """'28×28×6' for maps (H×W×C, as the walkthroughs write it), '120' for vectors."""
        if self.output.ndim == 3:
            c, h, w = self.output.shape
            return f"{h}×{w}×{c}"
        return "×".join(str(n) for n in self.output.shape)


@torch.no_grad()
def capture(model: nn.Sequential, x: np.ndarray) -> list[LayerOutput]:
    """Run one input through model, keeping every named layer's output.

    x is (C, H, W) float32; the outputs are in layer order, the last one being
    the logits.
    """
    return [
        LayerOutput(name, layer_kind(module), out[0].numpy().copy(), sources(model, name))
        for name, module, out in walk(model, as_tensor(x)[None])
    ]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Class probabilities; (K,) -> (K,) summing to 1."""
    z = np.exp(logits - logits.max())
    return z / z.sum()


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def layer_table(model: nn.Sequential, input_shape: tuple[int, ...]) -> list[dict]:
    """Each layer's name, type, output shape (C, H, W or F) and parameter count."""
    zeros = np.zeros(input_shape, dtype=np.float32)
    return [
        {
            "name": layer.name,
            "type": type(getattr(model, layer.name)).__name__,
            "output_shape": list(layer.output.shape),
            "parameters": parameter_count(getattr(model, layer.name)),
        }
        for layer in capture(model, zeros)
    ]


def layer_input(layers: list[LayerOutput], name: str, network_input: np.ndarray) -> np.ndarray:
    """What layer `name` received (its first input, for layers that read several): the previous layer's
    output, or the network input for the first."""
    for i, layer in enumerate(layers):
        if layer.name == name:
            if layer.sources:
                source = layer.sources[0]
                return network_input if source == "input" else next(s.output for s in layers if s.name == source)
            return network_input if i == 0 else layers[i - 1].output
    raise KeyError(name)


@dataclass(frozen=True)
class LayerStat:
    """How much a ReLU zeroed or a pool dropped, on one input."""

    name: str
    kind: str
    share: float  # ReLU: share of values set to 0; pool: share of values not passed on
    detail: str


def relu_and_pool_stats(layers: list[LayerOutput], network_input: np.ndarray) -> list[LayerStat]:
    """For every ReLU, the share of its input it set to zero; for every pool, the share it dropped."""
    stats = []
    for layer in layers:
        before = layer_input(layers, layer.name, network_input)
        if layer.kind == "relu":
            zeroed = float(np.mean(before < 0))
            stats.append(
                LayerStat(
                    layer.name,
                    "relu",
                    zeroed,
                    f"{np.count_nonzero(before < 0):,} of {before.size:,} values were negative",
                )
            )
        elif layer.kind == "pool":
            dropped = 1.0 - layer.output.size / before.size
            stats.append(
                LayerStat(layer.name, "pool", dropped, f"{before.size:,} values in, {layer.output.size:,} out")
            )
    return stats
