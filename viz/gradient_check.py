"""One weight, up close: the loss with that weight nudged down and up, the slope that gives, and the
gradient backpropagation computes for the same weight — then one update step and the new loss.

Worked in float64 on a copy of the network, so the two slopes agree to many digits and the
trained network is never touched.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Nudge:
    weight: float
    nudge: float
    loss: float
    loss_down: float  # with the weight at weight − nudge
    loss_up: float  # … at weight + nudge
    slope: float  # (loss_up − loss_down) / (2 · nudge)
    gradient: float  # ∂loss/∂weight from backpropagation
    learning_rate: float
    new_weight: float  # weight − learning_rate · gradient
    new_loss: float  # the loss with only this weight moved so

    @property
    def agreement(self) -> float:
        """|slope − gradient|, relative to the larger of the two (0 when both are 0)."""
        scale = max(abs(self.slope), abs(self.gradient))
        return abs(self.slope - self.gradient) / scale if scale else 0.0


def nudge_one_weight(
    model: nn.Module,
    layer: str,
    index: tuple[int, ...],
    x: torch.Tensor,
    y: torch.Tensor,
    learning_rate: float,
    nudge: float = 1e-4,
) -> Nudge:
    """For weight `index` of `layer`'s weight tensor, on the examples (x, y) with cross-entropy loss."""
    net = copy.deepcopy(model).double().eval()
    x = x.double()
    weight = getattr(net, layer).weight
    loss_fn = nn.CrossEntropyLoss()

    def loss_at(value: float) -> float:
        with torch.no_grad():
            weight[index] = value
            return float(loss_fn(net(x), y))

    w0 = float(weight.detach()[index])
    down, up = loss_at(w0 - nudge), loss_at(w0 + nudge)
    with torch.no_grad():
        weight[index] = w0
    net.zero_grad()
    loss = loss_fn(net(x), y)
    loss.backward()
    gradient = float(weight.grad[index])
    new_weight = w0 - learning_rate * gradient
    new_loss = loss_at(new_weight)
    return Nudge(
        w0,
        nudge,
        float(loss.detach()),
        down,
        up,
        (up - down) / (2 * nudge),
        gradient,
        learning_rate,
        new_weight,
        new_loss,
    )
