"""xo-net: the network of the "X or O?" lesson, on a 16×16 grid of ±1 pixels."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

INPUT_SHAPE = (1, 16, 16)


class XONet(nn.Sequential):
    """(N, 1, 16, 16) ±1 grids -> (N, 2) logits for X, O.

    conv1 holds a few 3×3 features (the lesson's diagonals and crossing among
    them), pooled and combined once more by conv2, then fc1 votes X or O.
    """

    def __init__(self) -> None:
        super().__init__(
            OrderedDict(
                conv1=nn.Conv2d(1, 4, 3, padding=1),
                relu1=nn.ReLU(),
                pool1=nn.MaxPool2d(2),
                conv2=nn.Conv2d(4, 8, 3, padding=1),
                relu2=nn.ReLU(),
                pool2=nn.MaxPool2d(2),
                flatten=nn.Flatten(),
                fc1=nn.Linear(8 * 4 * 4, 2),
            )
        )
