"""The rule of thumb, measured: shuffle the pixels of every MNIST digit the same way, and train a small
CNN and a fully connected network of the same size on the original and on the shuffled digits.

    python -m viz.shuffled [--data DIR] [--out pretrained/]

Shuffling the columns of a table changes nothing for a network that treats every input on its own
(the fully connected one: any fixed shuffle is undone by shuffling its first layer's weights). A
convolution assumes that neighbouring pixels belong together, so it loses its edge. The figures are
written to pretrained/shuffled-pixels.json; tests/test_shuffled.py reproduces them within 1 point.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from viz.activations import parameter_count
from viz.datasets import load_mnist
from viz.models.registry import PRETRAINED_DIR

CARD_NAME = "shuffled-pixels.json"
PERMUTATION_SEED = 2026
TRAIN_IMAGES, EPOCHS, BATCH, LR, SEED = 20_000, 3, 64, 3e-3, 0
NETWORKS = {"cnn": "small CNN", "fc": "fully connected"}
DATAS = {"original": "original pixels", "shuffled": "shuffled pixels"}


def small_cnn() -> nn.Module:
    """Two 5×5 conv/ReLU/pool stages and one fully connected vote: 11,274 weights."""
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, 8, 5, padding=2),
            relu1=nn.ReLU(),
            pool1=nn.MaxPool2d(2),
            conv2=nn.Conv2d(8, 16, 5, padding=2),
            relu2=nn.ReLU(),
            pool2=nn.MaxPool2d(2),
            flatten=nn.Flatten(),
            fc1=nn.Linear(16 * 7 * 7, 10),
        )
    )


def fully_connected() -> nn.Module:
    """784 pixels -> 14 hidden units -> 10: 11,140 weights, about the CNN's count."""
    return nn.Sequential(
        OrderedDict(flatten=nn.Flatten(), fc1=nn.Linear(784, 14), relu1=nn.ReLU(), fc2=nn.Linear(14, 10))
    )


BUILDERS = {"cnn": small_cnn, "fc": fully_connected}


def permutation(seed: int = PERMUTATION_SEED) -> np.ndarray:
    """One fixed shuffle of the 784 pixel positions."""
    return np.random.default_rng(seed).permutation(28 * 28)


def shuffle_pixels(digits: np.ndarray, order: np.ndarray) -> np.ndarray:
    """(N, 28, 28) -> the same digits with pixel i moved from position order[i]; (N, 28, 28)."""
    n = digits.shape[0]
    return digits.reshape(n, -1)[:, order].reshape(digits.shape)


def _inputs(digits: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(digits.astype(np.float32)[:, None] / 255.0)


def train_one(
    network: str, x: torch.Tensor, y: torch.Tensor, order: np.ndarray | None = None, seed: int = SEED
) -> nn.Module:
    """EPOCHS of AdamW on (x, y), batches of BATCH in a seeded order.

    order: the shuffle x was made with. The fully connected network then starts from the same weights
    as on the original pixels, each moved with its pixel, so it computes exactly what it computed on the
    original digits: any difference left is the rounding of sums taken in another order.
    """
    torch.manual_seed(seed)
    model = BUILDERS[network]()
    if order is not None and network == "fc":
        with torch.no_grad():
            model.fc1.weight.copy_(model.fc1.weight[:, torch.from_numpy(order)])
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), BATCH):
            idx = order[i : i + BATCH]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float(torch.cat([model(x[i : i + 2000]).argmax(1) for i in range(0, len(x), 2000)]).eq(y).float().mean())


def run_experiment(data: str | os.PathLike | None = None) -> dict:
    """The four accuracies on the 10,000 MNIST test digits, and what was done to get them."""
    (x_train, y_train), (x_test, y_test) = load_mnist(data)
    # The file is sorted by digit: a seeded random choice, not the first ones.
    chosen = np.random.default_rng(SEED).choice(len(x_train), TRAIN_IMAGES, replace=False)
    x_train, y_train = x_train[chosen], y_train[chosen]
    order = permutation()
    sets = {
        "original": (x_train, x_test, None),
        "shuffled": (shuffle_pixels(x_train, order), shuffle_pixels(x_test, order), order),
    }
    yt, yv = torch.from_numpy(y_train), torch.from_numpy(y_test)
    results, parameters, seconds = {}, {}, {}
    for network in NETWORKS:
        parameters[network] = parameter_count(BUILDERS[network]())
        for name, (train_digits, test_digits, shuffle) in sets.items():
            started = time.perf_counter()
            model = train_one(network, _inputs(train_digits), yt, shuffle)
            results[f"{network}/{name}"] = round(accuracy(model, _inputs(test_digits), yv), 4)
            seconds[f"{network}/{name}"] = round(time.perf_counter() - started, 1)
    return {
        "accuracy": results,
        "parameters": parameters,
        "test_images": len(y_test),
        "training": {
            "train_images": TRAIN_IMAGES,
            "epochs": EPOCHS,
            "batch_size": BATCH,
            "optimizer": "adamw",
            "learning_rate": LR,
            "seed": SEED,
            "permutation_seed": PERMUTATION_SEED,
            "seconds": seconds,
            "machine": f"{os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads",
        },
        "dataset": f"MNIST: {TRAIN_IMAGES:,} training digits chosen at random (seed {SEED}) and the standard 10,000 test digits; "
        "'shuffled' moves every pixel to a new place by one fixed random permutation, the same for every digit.",
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__},
        "notes": [
            "Both networks start from seeded random weights; on shuffled pixels the fully connected network "
            "starts from the same weights as on the original ones, each moved with its pixel, so it computes "
            "the same thing. The CNN cannot be helped that way: its 5×5 windows meet different pixels.",
        ],
        "reproduce": "python -m viz.shuffled",
    }


def load_figures(folder: Path = PRETRAINED_DIR) -> dict | None:
    """The shipped figures, or None when the card is missing or unreadable."""
    try:
        card = json.loads((folder / CARD_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    figures = card.get("accuracy") if isinstance(card, dict) else None
    wanted = [f"{n}/{d}" for n in NETWORKS for d in DATAS]
    if not isinstance(figures, dict) or not all(isinstance(figures.get(k), int | float) for k in wanted):
        return None
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="shared data folder (default: $CONVSCOPE_DATA or ../shared/data)")
    parser.add_argument("--out", type=Path, default=PRETRAINED_DIR)
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    card = run_experiment(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / CARD_NAME).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for key, value in card["accuracy"].items():
        print(f"{key}: {value:.4f}")


if __name__ == "__main__":
    main()
