"""Where did it look? Saliency, SmoothGrad, Grad-CAM and occlusion, for one class on one input.

Each returns maps the size of the network's input (or, for occlusion, of its grid of square positions);
they measure how sensitive the class score is to each place, not what the network "understands".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from viz.activations import sources, walk
from viz.ops import as_tensor


def input_gradient(model: nn.Module, x: np.ndarray, target: int) -> np.ndarray:
    """d(score of target) / d(input); (C, H, W) -> (C, H, W). The score is the logit, before softmax."""
    dtype = next(model.parameters()).dtype
    xt = torch.from_numpy(np.array(x, dtype=np.float64)).to(dtype)[None].requires_grad_(True)
    # autograd.grad, not backward(): the shared network's own .grad fields are never written.
    (grad,) = torch.autograd.grad(model(xt)[0, target], xt)
    return grad[0].to(torch.float32).numpy()


def saliency(model: nn.Module, x: np.ndarray, target: int) -> np.ndarray:
    """Simonyan et al.'s saliency: the largest |gradient| over the channels of each pixel; -> (H, W)."""
    return np.abs(input_gradient(model, x, target)).max(axis=0)


def smoothgrad(
    model: nn.Module, x: np.ndarray, target: int, samples: int = 32, noise: float = 0.15, seed: int = 0
) -> np.ndarray:
    """SmoothGrad (Smilkov et al.): |gradient| averaged over noisy copies of x; -> (H, W).

    noise is the noise's standard deviation as a share of x's range. One batched pass.
    """
    gen = torch.Generator().manual_seed(seed)
    xt = as_tensor(x)
    sigma = noise * float(xt.max() - xt.min() or 1.0)
    batch = (xt[None] + sigma * torch.randn((samples, *xt.shape), generator=gen)).requires_grad_(True)
    (grad,) = torch.autograd.grad(model(batch)[:, target].sum(), batch)
    return grad.abs().mean(0).max(0).values.numpy()


def conv_layers(model: nn.Module) -> list[str]:
    """The names of the network's conv layers, in order (the layers Grad-CAM can look at)."""
    return [name for name, module in model.named_children() if isinstance(module, nn.Conv2d)]


@dataclass(frozen=True)
class GradCam:
    layer: str
    small: np.ndarray  # (h, w): the map at the layer's own size, ≥ 0
    upsampled: np.ndarray  # (H, W): bilinearly upsampled to the input
    weights: np.ndarray  # (channels,): each channel's weight, its gradient averaged over the map


def grad_cam(model: nn.Module, x: np.ndarray, target: int, layer: str) -> GradCam:
    """Grad-CAM (Selvaraju et al.) at a conv layer: ReLU(Σ_k α_k A_k), α_k = mean of d score / d A_k.

    The activations A are taken after the layer's ReLU when one follows it (as the paper does).
    """
    names = [name for name, _ in model.named_children()]
    if layer not in names:
        raise ValueError(f"{layer!r} is not a layer of this network ({', '.join(names)})")
    # Read the feature maps after the ReLU that follows the conv layer, if there is one.
    at = names.index(layer)
    if at + 1 < len(names) and isinstance(getattr(model, names[at + 1]), nn.ReLU):
        follows = sources(model, names[at + 1])  # a graph: does that ReLU read this layer?
        at += 1 if not follows or layer in follows else 0
    xt = as_tensor(x)[None].requires_grad_(True)  # so the maps carry gradients even if the weights do not
    features = None
    for i, (_, _, out) in enumerate(walk(model, xt)):
        if i == at:
            features = out
    (grads,) = torch.autograd.grad(out[0, target], features)
    grads = grads[0]
    alpha = grads.mean(dim=(1, 2))
    cam = F.relu((alpha[:, None, None] * features[0]).sum(0)).detach()
    up = F.interpolate(cam[None, None], size=tuple(x.shape[1:]), mode="bilinear", align_corners=False)[0, 0]
    return GradCam(layer, cam.numpy(), up.clamp_min(0).numpy(), alpha.detach().numpy())


@dataclass(frozen=True)
class Occlusion:
    drops: np.ndarray  # (rows, cols): score without occlusion minus score with the square at each position
    size: int
    stride: int
    score: float  # the class score with nothing hidden
    per_pixel: np.ndarray  # (H, W): the mean drop of the squares covering each pixel
    predictions: np.ndarray  # (rows, cols): the predicted class with the square at each position

    def worst(self, count: int = 5) -> list[tuple[int, int, float, int]]:
        """The most damaging positions: (top row, left column, drop, class predicted then)."""
        order = np.argsort(-self.drops, axis=None)[:count]
        return [
            (int(r) * self.stride, int(c) * self.stride, float(self.drops[r, c]), int(self.predictions[r, c]))
            for r, c in zip(*np.unravel_index(order, self.drops.shape), strict=True)
        ]


@torch.no_grad()
def occlusion(
    model: nn.Module, x: np.ndarray, target: int, size: int, stride: int, fill: np.ndarray, batch: int = 256
) -> Occlusion:
    """Slide a square of fill (one value per channel) over x and record how much the target's score drops.

    The square's positions are those of a convolution with that kernel size and stride, no padding.
    """
    c, h, w = x.shape
    size = max(1, min(size, h, w))
    stride = max(1, stride)
    rows, cols = (h - size) // stride + 1, (w - size) // stride + 1
    xt = as_tensor(x)
    base = model(xt[None])[0]
    covered = torch.zeros(h, w)
    total = torch.zeros(h, w)
    drops = torch.zeros(rows * cols)
    predictions = torch.zeros(rows * cols, dtype=torch.long)
    positions = [(r * stride, q * stride) for r in range(rows) for q in range(cols)]
    fill_t = torch.as_tensor(np.asarray(fill, np.float32)).reshape(c, 1, 1)
    for start in range(0, len(positions), batch):
        chunk = positions[start : start + batch]
        hidden = xt.repeat(len(chunk), 1, 1, 1)
        for i, (top, left) in enumerate(chunk):
            hidden[i, :, top : top + size, left : left + size] = fill_t
        logits = model(hidden)
        drops[start : start + len(chunk)] = base[target] - logits[:, target]
        predictions[start : start + len(chunk)] = logits.argmax(1)
    for (top, left), drop in zip(positions, drops, strict=True):
        total[top : top + size, left : left + size] += drop
        covered[top : top + size, left : left + size] += 1
    per_pixel = torch.where(covered > 0, total / covered.clamp_min(1), torch.zeros(()))
    return Occlusion(
        drops.reshape(rows, cols).numpy(),
        size,
        stride,
        float(base[target]),
        per_pixel.numpy(),
        predictions.reshape(rows, cols).numpy(),
    )
