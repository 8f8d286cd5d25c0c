"""How can it be fooled? FGSM and projected gradient descent within a budget of 8-bit pixel steps.

The attack works on the pixels the network reads (in [0, 1]), each changed by at most ε/255, and the
result is rounded to whole 8-bit steps before it is judged: what is reported is what a PNG of it does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from viz.probes.pixel_space import PixelSpace

ANY_OTHER = -1  # target: any class but the one predicted now


@dataclass(frozen=True)
class Attack:
    original: np.ndarray  # (C, H, W) pixels in [0, 1], on the 8-bit grid
    perturbed: np.ndarray  # (C, H, W) pixels in [0, 1], on the 8-bit grid
    before: np.ndarray  # class probabilities of the original
    after: np.ndarray  # class probabilities of the perturbed picture
    epsilon: int  # the budget, in 8-bit steps
    target: int  # ANY_OTHER or a class
    method: str
    steps: int

    @property
    def change(self) -> np.ndarray:
        """The perturbation in 8-bit steps (integers in [-ε, ε])."""
        return np.rint((self.perturbed - self.original) * 255).astype(np.int16)

    @property
    def fooled(self) -> bool:
        was, now = int(self.before.argmax()), int(self.after.argmax())
        return now != was if self.target == ANY_OTHER else now == self.target

    def as_uint8(self) -> np.ndarray:
        """The perturbed picture as (H, W, 3) 8-bit pixels (grey repeated in R, G and B), ready for a PNG."""
        pixels = np.rint(self.perturbed * 255).astype(np.uint8).transpose(1, 2, 0)
        return pixels if pixels.shape[2] == 3 else np.repeat(pixels, 3, axis=2)


def on_8bit_grid(pixels: np.ndarray) -> np.ndarray:
    return (np.rint(np.clip(pixels, 0.0, 1.0) * 255) / 255).astype(np.float32)


def _probabilities(model: nn.Module, space: PixelSpace, pixels: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return F.softmax(model(space.tensor_to_input(pixels[None]))[0].double(), 0).numpy()


def _loss(model: nn.Module, space: PixelSpace, pixels: torch.Tensor, label: int, target: int) -> torch.Tensor:
    """What the attack climbs: the loss of the current label (untargeted) or minus that of the target."""
    logits = model(space.tensor_to_input(pixels[None]))
    if target == ANY_OTHER:
        return F.cross_entropy(logits, torch.tensor([label]))
    return -F.cross_entropy(logits, torch.tensor([target]))


def attack(
    model: nn.Module,
    space: PixelSpace,
    pixels: np.ndarray,
    epsilon: int,
    target: int = ANY_OTHER,
    method: str = "pgd",
    steps: int = 10,
) -> Attack:
    """FGSM (one signed-gradient step of ε) or PGD (steps of ε/4, each projected back into the ε box).

    pixels: (C, H, W) in [0, 1]; epsilon in 8-bit steps (0–255).
    """
    original = torch.from_numpy(on_8bit_grid(pixels))
    before = _probabilities(model, space, original)
    label = int(before.argmax())
    eps = epsilon / 255.0
    if method == "fgsm":
        steps, step_size = 1, eps
    else:
        step_size = max(eps / 4, 1 / 255)
    current = original.clone()
    for _ in range(steps if eps > 0 else 0):
        current.requires_grad_(True)
        (grad,) = torch.autograd.grad(_loss(model, space, current, label, target), current)
        with torch.no_grad():
            current = current + step_size * grad.sign()
            current = torch.min(torch.max(current, original - eps), original + eps).clamp(0, 1)
    # Rounded to whole 8-bit steps, still within the budget: the picture a PNG holds.
    rounded = torch.round(current.detach() * 255) / 255
    rounded = torch.min(torch.max(rounded, original - eps - 1e-7), original + eps + 1e-7).clamp(0, 1)
    after = _probabilities(model, space, rounded)
    return Attack(original.numpy(), rounded.numpy(), before, after, epsilon, target, method, steps)
