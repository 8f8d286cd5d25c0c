"""How fast ConvScope computes, server-side: medians of repeated runs.

    python benchmarks/latency.py [--repeats 15] [--json PATH]

Measures decoding uploads, the playground's update (convolution, ReLU,
pooling and the panel pictures), the inspector's full render (forward pass,
capturing every layer and drawing all of them) for each network, and the same
convolution by the plain-loop reference, so the speed-up is measured, not assumed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage import data as skdata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reference import conv2d_loops
from viz.activations import capture
from viz.images import decode_image, to_channels
from viz.kernels import KERNELS
from viz.models import MODELS, get_spec, load_model
from viz.ops import ConvSettings, PoolSettings, conv2d
from viz.pipeline import input_jpeg, panel_pictures, run_pipeline
from viz.render import enlarge_to_width, layer_picture
from viz.sound.generated import sample_sound
from viz.sound.network_input import network_picture
from viz.ui.linked_maps import encode_panels, layer_panels, payload

BUDGETS_MS = {
    "playground update, 512 px, 3×3 kernel": 50,
    "playground update, 512 px, 7×7 kernel": 50,
    "playground update, 512 px, 8 filters of 3×3": 50,
    "inspector full render, tinyvgg-cifar10": 150,
    "decode + downscale, 6000×4000 JPEG (24 MP)": 400,
}


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up: first calls pay for lazy initialisation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def jpeg_of(width: int, height: int) -> bytes:
    """A photo-like JPEG: the astronaut photo resized, plus sensor-like noise so it compresses like a camera's."""
    base = Image.fromarray(skdata.astronaut()).resize((width, height), Image.Resampling.BILINEAR)
    noisy = np.asarray(base, dtype=np.int16) + np.random.default_rng(0).integers(-6, 7, (height, width, 3))
    buf = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def encode_as_st_image(rgb: np.ndarray) -> bytes:
    """What st.image does with an RGB array: JPEG at quality 90 (PNG only for images with alpha)."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


_INPUT_JPEGS: dict[int, bytes] = {}


def _input_jpeg(channels: np.ndarray) -> bytes:
    """A slider move keeps the input: the page caches its picture (playground._input_jpeg), so do we."""
    if id(channels) not in _INPUT_JPEGS:
        _INPUT_JPEGS[id(channels)] = input_jpeg(channels)
    return _INPUT_JPEGS[id(channels)]


def playground_update(channels: np.ndarray, kernel: np.ndarray | list[np.ndarray]) -> None:
    """What one slider move costs the server: the layer, its four panels at display size encoded as
    the page sends them, and the linked maps' data (pictures and values) as the component gets it."""
    result = run_pipeline(channels, kernel, "grayscale", ConvSettings(), PoolSettings("max", 2, 2))
    pictures = panel_pictures(result, _input_jpeg(channels))
    _, h, w = result.feature.shape
    pool = {"window": [2, 2], "stride": [2, 2], "pad": [0, 0]}
    payload(
        encode_panels(layer_panels(channels, result, pictures, 0)),
        (3, 3),
        (1, 1),
        (1, 1),
        (0, 0),
        pool,
        (h // 2, w // 2),
    )


def inspector_render(model, x: np.ndarray) -> None:
    """A full inspector render: forward pass, every layer captured, drawn and encoded."""
    for layer in capture(model, x):
        encode_as_st_image(enlarge_to_width(layer_picture(layer.output), max_width=900, max_factor=24))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    rows: list[tuple[str, float]] = []

    for w, h in ((512, 512), (6000, 4000)):
        data = jpeg_of(w, h)
        label = f"decode + downscale, {w}×{h} JPEG" + (" (24 MP)" if w * h >= 24e6 else "")
        rows.append((label, median_ms(lambda d=data: decode_image(d, 512), args.repeats)))

    picture = decode_image(jpeg_of(512, 512), 512)
    channels = to_channels(picture, grayscale=True)
    for key, size in (("sobel_vertical", 3), ("curve", 7)):
        kernel = KERNELS[key].weights
        rows.append(
            (
                f"playground update, 512 px, {size}×{size} kernel",
                median_ms(lambda k=kernel: playground_update(channels, k), args.repeats),
            )
        )
        fast = median_ms(lambda k=kernel: conv2d(channels, k[None, None], ConvSettings()), args.repeats)
        loops = median_ms(lambda k=kernel: conv2d_loops(channels, k[None, None], 1, 0), 1)
        rows.append((f"convolution only, 512 px, {size}×{size}: torch", fast))
        rows.append((f"convolution only, 512 px, {size}×{size}: plain loops", loops))
        rows.append((f"  speed-up of torch over loops, {size}×{size} (×)", loops / fast))

    bank = [
        KERNELS[key].weights
        for key in (
            "sobel_vertical",
            "sobel_horizontal",
            "laplacian",
            "outline",
            "sharpen",
            "emboss",
            "xo_cross",
            "identity",
        )
    ]
    rows.append(
        (
            "playground update, 512 px, 8 filters of 3×3",
            median_ms(lambda: playground_update(channels, bank), args.repeats),
        )
    )

    photo = skdata.chelsea().astype(np.float32) / 255.0
    for model_id in MODELS:
        spec = get_spec(model_id)
        model = load_model(model_id)
        if spec.input_kind == "sound":  # sound-net reads a spectrogram, not a photo
            x = network_picture(sample_sound("rising"))[0][None]
        else:
            x = spec.preprocess(photo)
        rows.append(
            (f"inspector full render, {model_id}", median_ms(lambda m=model, x=x: inspector_render(m, x), args.repeats))
        )

    width = max(len(name) for name, _ in rows) + 2
    print(f"ConvScope latency, median of {args.repeats} runs ({os.cpu_count()} CPU cores, torch {torch.__version__})")
    print(f"{'measurement'.ljust(width)}{'ms':>10}{'budget':>10}")
    for name, value in rows:
        budget = BUDGETS_MS.get(name)
        flag = "" if budget is None else ("  ok" if value <= budget else "  OVER")
        unit = f"{value:10.1f}"
        print(f"{name.ljust(width)}{unit}{'' if budget is None else f'{budget:>10}'}{flag}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "repeats": args.repeats,
                    "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
                    "torch": torch.__version__,
                    "median_ms": {name: round(v, 2) for name, v in rows if "speed-up" not in name},
                    "speed_up": {name.strip(): round(v, 1) for name, v in rows if "speed-up" in name},
                    "budgets_ms": BUDGETS_MS,
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
