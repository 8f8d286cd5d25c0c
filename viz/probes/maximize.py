"""What does a channel want to see? Activation maximization, and the examples that excite it most.

Start from faint noise and climb the gradient of the channel's mean activation (or a class score)
with respect to the pixels, with the usual regularizers: a random jitter of a pixel or two each step,
a slight blur every few steps, and pixels kept within [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from viz.activations import walk
from viz.models.registry import PHOTO_KINDS
from viz.ops import as_tensor
from viz.probes.pixel_space import PixelSpace


@dataclass(frozen=True)
class Favourite:
    pixels: np.ndarray  # (C, H, W) in [0, 1]
    activation: float  # the objective reached
    start: float  # the objective at the starting noise
    trace: np.ndarray  # the objective at every step


WHERE = {
    "centre": "the channel's value at the centre of its map (one neuron: a picture of its receptive field)",
    "everywhere": "the channel's mean over its whole map (the pattern as a texture, repeated everywhere)",
}


def objective(model: nn.Sequential, x: torch.Tensor, layer: str, channel: int, where: str = "centre") -> torch.Tensor:
    """(N, C, H, W) inputs -> (N,): what is maximized, for `channel` of `layer`'s output (see WHERE);
    for a vector layer (a class score, a neuron) its value."""
    out = next((value for name, _, value in walk(model, x) if name == layer), None)
    if out is None:
        raise ValueError(f"{layer!r} is not a layer of this network")
    picked = out[:, channel]
    if picked.ndim == 1:
        return picked
    if where == "centre":
        return picked[:, picked.shape[1] // 2, picked.shape[2] // 2]
    # Before ReLU: after it, a channel that starts below zero everywhere has no gradient to climb.
    return picked.reshape(len(picked), -1).mean(1)


def regularizers(input_kind: str) -> dict:
    """Photos get jitter and blur (else the result is high-frequency noise); grids of cells get neither,
    since their features are one cell thin and a blur would wash them out."""
    if input_kind in PHOTO_KINDS:
        return {"jitter": 2, "blur_every": 2, "start_noise": 0.05}
    # Grids start from plain grey, so a cell the unit cannot see stays grey.
    return {"jitter": 0, "blur_every": 0, "start_noise": 0.0}


def _blur(x: torch.Tensor, sigma: float = 0.5) -> torch.Tensor:
    r = torch.arange(-1, 2, dtype=x.dtype)
    k = torch.exp(-(r**2) / (2 * sigma**2))
    k = (k / k.sum())[None, None]
    c = x.shape[1]
    x = F.conv2d(F.pad(x, (1, 1, 0, 0), mode="replicate"), k[:, :, None, :].repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(F.pad(x, (0, 0, 1, 1), mode="replicate"), k[:, :, :, None].repeat(c, 1, 1, 1), groups=c)


def favourite_picture(
    model: nn.Sequential,
    space: PixelSpace,
    shape: tuple[int, int, int],
    layer: str,
    channel: int,
    where: str = "centre",
    steps: int = 160,
    lr: float = 0.05,
    jitter: int = 1,
    blur_every: int = 4,
    start_noise: float = 0.05,
    seed: int = 0,
) -> Favourite:
    """The picture (in [0, 1]) that excites model.<layer>[channel] most, found by gradient ascent."""
    gen = torch.Generator().manual_seed(seed)
    pixels = (0.5 + start_noise * torch.randn((1, *shape), generator=gen)).clamp(0, 1)
    pixels.requires_grad_(True)
    opt = torch.optim.Adam([pixels], lr=lr)
    trace = []
    for step in range(steps):
        dy, dx = (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=gen))
        moved = torch.roll(pixels, shifts=(dy, dx), dims=(2, 3))
        value = objective(model, space.tensor_to_input(moved), layer, channel, where)[0]
        # autograd.grad, not backward(): the shared network's own .grad fields are never written.
        (pixels.grad,) = torch.autograd.grad(-value, pixels)
        opt.step()
        with torch.no_grad():
            if blur_every and (step + 1) % blur_every == 0:
                pixels.copy_(_blur(pixels))
            pixels.clamp_(0, 1)
        trace.append(float(value.detach()))
    with torch.no_grad():
        final = float(objective(model, space.tensor_to_input(pixels), layer, channel, where)[0])
    return Favourite(pixels.detach()[0].numpy(), final, trace[0], np.array(trace + [final]))


@torch.no_grad()
def strongest_examples(
    model: nn.Sequential, inputs: np.ndarray, layer: str, channel: int, where: str = "centre", count: int = 6
) -> list[tuple[int, float]]:
    """(index, objective) of the inputs (N, C, H, W) that excite the channel most, strongest first."""
    batch = as_tensor(inputs)
    values = objective(model, batch, layer, channel, where).numpy()
    order = np.argsort(-values)[:count]
    return [(int(i), float(values[i])) for i in order]
