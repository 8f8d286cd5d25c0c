"""sound-net: six kinds of sound, read from a 64 × 64 mel spectrogram (viz.sound.network_input)."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn


class SoundNet(nn.Sequential):
    """(N, 1, 64, 64) spectrograms in [0, 1] -> (N, 6) logits: rising, falling, steady, chord, clicks, noise.

    Three conv/ReLU/pool stages (a rising pitch is a diagonal line, a steady tone a horizontal one,
    clicks vertical ones) and one fully connected vote.
    """

    def __init__(self) -> None:
        super().__init__(
            OrderedDict(
                conv1=nn.Conv2d(1, 8, 3, padding=1),
                relu1=nn.ReLU(),
                pool1=nn.MaxPool2d(2),
                conv2=nn.Conv2d(8, 16, 3, padding=1),
                relu2=nn.ReLU(),
                pool2=nn.MaxPool2d(2),
                conv3=nn.Conv2d(16, 32, 3, padding=1),
                relu3=nn.ReLU(),
                pool3=nn.MaxPool2d(2),
                flatten=nn.Flatten(),
                fc1=nn.Linear(32 * 8 * 8, 6),
            )
        )
