"""Which centre crop and resize filter are kindest to real photos, for TinyVGG: measured, not assumed.

    python benchmarks/photo_preprocessing.py

For each crop (the share of the centred square kept) and Pillow filter: TinyVGG's confidence that Chelsea
the cat is a cat, and its accuracy on 500 CIFAR-10 test photos enlarged to 256×256 (bicubic) and brought
back through the same preprocessing (reads ../shared/data, or $CONVSCOPE_DATA).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from viz.datasets import load_cifar10
from viz.models import load_model
from viz.preprocess import CIFAR10_MEAN, CIFAR10_STD, center_crop_square
from viz.samples import load_sample

FILTERS = {
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
CAT = 3


def prepared(rgb: np.ndarray, crop: float, resample: Image.Resampling) -> np.ndarray:
    square = center_crop_square(rgb)
    side = square.shape[0]
    kept = int(round(side * crop))
    top = (side - kept) // 2
    square = square[top : top + kept, top : top + kept]
    img = Image.fromarray(np.clip(square * 255 + 0.5, 0, 255).astype(np.uint8)).resize((32, 32), resample)
    small = np.asarray(img, np.float32) / 255
    return ((small - CIFAR10_MEAN) / CIFAR10_STD).transpose(2, 0, 1)


def main() -> None:
    torch.set_num_threads(1)
    model = load_model("tinyvgg-cifar10")
    chelsea = load_sample("chelsea", 2048).pixels
    _, (x_test, y_test) = load_cifar10()
    chosen = np.random.default_rng(0).choice(len(y_test), 500, replace=False)
    enlarged = [
        np.asarray(Image.fromarray(x_test[i]).resize((256, 256), Image.Resampling.BICUBIC), np.float32) / 255
        for i in chosen
    ]
    print("crop  filter    P(cat | Chelsea)  accuracy on 500 CIFAR-10 test photos at 256 px")
    for crop in (1.0, 0.9, 0.8, 0.7):
        for name, resample in FILTERS.items():
            with torch.no_grad():
                p = torch.softmax(model(torch.from_numpy(prepared(chelsea, crop, resample))[None]), 1)[0]
                batch = torch.from_numpy(np.stack([prepared(b, crop, resample) for b in enlarged]))
                accuracy = float((model(batch).argmax(1).numpy() == y_test[chosen]).mean())
            print(f"{crop:.1f}   {name:9s} {float(p[CAT]):.3f} (top: {int(p.argmax())})   {accuracy:.3f}")


if __name__ == "__main__":
    main()
