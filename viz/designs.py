"""A small CNN a student designs: how many conv blocks, each block's filters, the kernel's size, the pooling.

Layers are named as the shipped networks' are (conv1, relu1, pool1, …, flatten, fc1), so a network
built here opens in "Inside the CNN" like theirs. Every conv keeps its map's size (zero padding of
half the kernel); a 2×2 max or average pool halves it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from torch import nn

POOLS = {
    "max": "2×2 max pooling after each block",
    "average": "2×2 average pooling after each block",
    "none": "no pooling",
}
KERNEL_SIZES = (3, 5, 7)
MAX_BLOCKS = 3
MAX_FILTERS = 64
FILTER_COUNTS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)


@dataclass(frozen=True)
class Design:
    """blocks conv blocks (conv → ReLU → pool), each of kernel×kernel filters: widths[i] in block i, or,
    when widths is empty (cards written before widths existed), filters·2^i."""

    input_shape: tuple[int, int, int] = (1, 16, 16)  # (C, H, W)
    classes: int = 2
    blocks: int = 1
    filters: int = 4
    kernel: int = 3
    pool: str = "max"
    widths: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.blocks <= MAX_BLOCKS:
            raise ValueError(f"1 to {MAX_BLOCKS} conv blocks, not {self.blocks}")
        if self.kernel not in KERNEL_SIZES or self.pool not in POOLS or not 1 <= self.filters <= MAX_FILTERS:
            raise ValueError(f"unsupported design {self}")
        if self.widths and (
            len(self.widths) != self.blocks
            or self.widths[0] != self.filters
            or not all(1 <= w <= MAX_FILTERS for w in self.widths)
        ):
            raise ValueError(f"widths {self.widths} do not fit {self.blocks} blocks starting with {self.filters}")
        if self.pool != "none" and min(self.input_shape[1:]) >> self.blocks < 1:
            raise ValueError(f"{self.blocks} poolings leave nothing of a {self.input_shape[1]}-pixel input")

    def filters_of(self, block: int) -> int:
        return self.widths[block] if self.widths else self.filters * 2**block

    @property
    def widths_text(self) -> str:
        """'4 → 8 → 16 filters', or '4 filters' for one block."""
        return " → ".join(str(self.filters_of(b)) for b in range(self.blocks)) + " filters"


@dataclass(frozen=True)
class LayerRow:
    """One line of the design's table: the layer as the code names it, what it does, its output, its parameters."""

    name: str
    what: str
    output: tuple[int, ...]  # (C, H, W) or (F,)
    parameters: int

    @property
    def shape_label(self) -> str:
        if len(self.output) == 3:
            c, h, w = self.output
            return f"{h}×{w}×{c}"
        return str(self.output[0])


def layer_rows(design: Design) -> list[LayerRow]:
    """Every layer's output shape and parameter count, before anything is built or trained."""
    c, h, w = design.input_shape
    k = design.kernel
    rows = []
    for b in range(design.blocks):
        out = design.filters_of(b)
        rows.append(
            LayerRow(
                f"conv{b + 1}", f"{out} filters of {k}×{k}×{c}, padding {k // 2}", (out, h, w), out * (c * k * k + 1)
            )
        )
        rows.append(LayerRow(f"relu{b + 1}", "negatives set to 0", (out, h, w), 0))
        c = out
        if design.pool != "none":
            h, w = h // 2, w // 2
            rows.append(LayerRow(f"pool{b + 1}", f"2×2 {design.pool} pooling, stride 2", (c, h, w), 0))
    flat = c * h * w
    rows.append(LayerRow("flatten", "the maps as one list", (flat,), 0))
    rows.append(
        LayerRow(
            "fc1",
            f"{flat} → {design.classes}: one score per class",
            (design.classes,),
            flat * design.classes + design.classes,
        )
    )
    return rows


def parameter_count(design: Design) -> int:
    return sum(row.parameters for row in layer_rows(design))


def build(design: Design) -> nn.Sequential:
    """The network, with random weights (PyTorch's default initialisation, from the global generator)."""
    c = design.input_shape[0]
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    for b in range(design.blocks):
        out = design.filters_of(b)
        layers[f"conv{b + 1}"] = nn.Conv2d(c, out, design.kernel, padding=design.kernel // 2)
        layers[f"relu{b + 1}"] = nn.ReLU()
        if design.pool == "max":
            layers[f"pool{b + 1}"] = nn.MaxPool2d(2, 2)
        elif design.pool == "average":
            layers[f"pool{b + 1}"] = nn.AvgPool2d(2, 2)
        c = out
    rows = layer_rows(design)
    layers["flatten"] = nn.Flatten()
    layers["fc1"] = nn.Linear(rows[-2].output[0], design.classes)
    return nn.Sequential(layers)
