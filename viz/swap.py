"""Swapping a hand-made filter into a trained network's first layer.

The trained network is never changed: the swap makes a copy, so other users
(and the cached network) never see it.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from viz.errors import ConvScopeError
from viz.kernels import resize_kernel


def first_conv_name(model: nn.Module) -> str:
    """The name of the network's first convolution (conv1 in every shipped network)."""
    for name, module in model.named_children():
        if isinstance(module, nn.Conv2d):
            return name
    raise ConvScopeError("This network has no convolution to swap a filter into.")


def kernel_for_layer(kernel: np.ndarray, conv: nn.Conv2d, channel: int) -> torch.Tensor:
    """A (K, K) hand-made kernel shaped for one filter of conv: (C_in, k, k).

    It is resized (centre crop or zero pad) to the layer's kernel size, spread
    evenly over the input channels, and scaled to the same size (L2 norm) as
    the trained filter it replaces, so the later layers see values of the
    magnitude they were trained on.
    """
    k = conv.kernel_size[0]
    c_in = conv.in_channels
    fitted = resize_kernel(np.asarray(kernel, dtype=np.float32), k)
    stack = np.repeat(fitted[None], c_in, axis=0) / c_in
    trained = conv.weight[channel].detach()
    norm = float(np.linalg.norm(stack))
    if norm > 0:
        stack = stack * (float(trained.norm()) / norm)
    return torch.from_numpy(stack.astype(np.float32))


def swapped(model: nn.Module, channel: int, kernel: np.ndarray) -> nn.Module:
    """A copy of model whose first-layer filter `channel` is replaced by the hand-made kernel."""
    name = first_conv_name(model)
    conv: nn.Conv2d = getattr(model, name)
    if not 0 <= channel < conv.out_channels:
        raise ConvScopeError(f"{name} has filters 0 to {conv.out_channels - 1}; there is no filter {channel}.")
    replacement = kernel_for_layer(kernel, conv, channel)
    twin = copy.deepcopy(model)
    with torch.no_grad():
        getattr(twin, name).weight[channel] = replacement
    return twin.eval()
