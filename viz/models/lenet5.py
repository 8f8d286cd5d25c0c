"""LeNet-5 as in the classic MNIST walkthrough, with ReLU and max pooling."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

INPUT_SHAPE = (1, 32, 32)


class LeNet5(nn.Sequential):
    """(N, 1, 32, 32) digits (28×28 padded by 2) -> (N, 10) logits.

    28×28×6 -> 14×14×6 -> 10×10×16 -> 5×5×16 -> 120 -> 84 -> 10.
    """

    def __init__(self) -> None:
        super().__init__(
            OrderedDict(
                conv1=nn.Conv2d(1, 6, 5),
                relu1=nn.ReLU(),
                pool1=nn.MaxPool2d(2),
                conv2=nn.Conv2d(6, 16, 5),
                relu2=nn.ReLU(),
                pool2=nn.MaxPool2d(2),
                flatten=nn.Flatten(),
                fc1=nn.Linear(400, 120),
                relu3=nn.ReLU(),
                fc2=nn.Linear(120, 84),
                relu4=nn.ReLU(),
                fc3=nn.Linear(84, 10),
            )
        )
