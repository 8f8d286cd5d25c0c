"""Test accuracy and confusion matrix of a shipped network.

python -m viz.evaluate lenet5-mnist [--data DIR]
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import torch
from torch import nn

from viz.datasets import load_cifar10, load_mnist, load_sounds, load_xo
from viz.models import MODELS, get_spec, load_model
from viz.preprocess import CIFAR10_MEAN, CIFAR10_STD, mnist_array_to_input

Tensors = tuple[torch.Tensor, torch.Tensor]


def network_data(model_id: str, folder: str | os.PathLike | None = None) -> tuple[Tensors, Tensors]:
    """(train, test) as (inputs (N, C, H, W) float32, labels (N,) int64), preprocessed for model_id."""
    if model_id == "xo-net":
        (xt, yt), (xv, yv) = load_xo()
        return (torch.from_numpy(xt[:, None]), torch.from_numpy(yt)), (
            torch.from_numpy(xv[:, None]),
            torch.from_numpy(yv),
        )
    if model_id == "lenet5-mnist":
        (xt, yt), (xv, yv) = load_mnist(folder)
        return (torch.from_numpy(mnist_array_to_input(xt)), torch.from_numpy(yt)), (
            torch.from_numpy(mnist_array_to_input(xv)),
            torch.from_numpy(yv),
        )
    if model_id == "tinyvgg-cifar10":
        (xt, yt), (xv, yv) = load_cifar10(folder)

        def norm(x: np.ndarray) -> torch.Tensor:
            x = (x.astype(np.float32) / 255.0 - CIFAR10_MEAN) / CIFAR10_STD
            return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

        return (norm(xt), torch.from_numpy(yt)), (norm(xv), torch.from_numpy(yv))
    if model_id == "sound-net":
        (xt, yt), (xv, yv) = load_sounds()
        return (torch.from_numpy(xt), torch.from_numpy(yt)), (torch.from_numpy(xv), torch.from_numpy(yv))
    raise ValueError(f"no data for {model_id!r}")


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Predicted class of every input; (N, C, H, W) -> (N,)."""
    model.eval()
    return torch.cat([model(x[i : i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts: row = true class, column = predicted."""
    flat = labels.numpy() * n_classes + predicted.numpy()
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, n_classes: int) -> tuple[float, np.ndarray]:
    """(accuracy, confusion matrix) of model on (x, y)."""
    predicted = predict(model, x)
    return float((predicted == y).float().mean()), confusion_matrix(y, predicted, n_classes)


def format_confusion(matrix: np.ndarray, classes: tuple[str, ...]) -> str:
    """The confusion matrix as an aligned text table."""
    width = max(5, max(len(c) for c in classes) + 1)
    lines = ["true \\ predicted".ljust(width) + "".join(c[: width - 1].rjust(width) for c in classes)]
    for name, row in zip(classes, matrix, strict=True):
        lines.append(name.ljust(width) + "".join(str(v).rjust(width) for v in row))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_id", choices=list(MODELS))
    parser.add_argument("--data", help="shared data folder (default: $CONVSCOPE_DATA or ../shared/data)")
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    spec = get_spec(args.model_id)
    _, (x, y) = network_data(args.model_id, args.data)
    accuracy, matrix = evaluate(load_model(args.model_id), x, y, len(spec.classes))
    print(f"{args.model_id}: {len(y)} test {'sounds' if spec.input_kind == 'sound' else 'images'}")
    print(f"accuracy: {accuracy:.4f}")
    print(format_confusion(matrix, spec.classes))


if __name__ == "__main__":
    main()
