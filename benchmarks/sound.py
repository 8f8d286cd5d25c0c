"""How long the Beyond images page's work takes, server-side, from the upload to the layer's panels.

    python benchmarks/sound.py [--repeats 5]

A 30 s stereo 44.1 kHz WAV (the longest accepted) and the 2 s chirp: decoding and resampling, the
spectrogram at the page's settings and at the densest it allows, sound-net's verdict, and the
playground's layer (rising filter, ReLU, 2×2 max pooling) on the spectrogram the layer reads. Medians.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import soundfile
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from viz.kernels import KERNELS
from viz.models import load_model
from viz.ops import ConvSettings, PoolSettings
from viz.pipeline import panel_pictures, run_pipeline
from viz.sound.audio import decode_sound
from viz.sound.generated import sample_sound
from viz.sound.network_input import network_picture
from viz.sound.spectrogram import LAYER_COLUMNS, spectrogram


def median_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def wav(seconds: float, rate: int = 44_100) -> bytes:
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, (int(seconds * rate), 2))
    soundfile.write(buffer, noise, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def layer(picture: np.ndarray) -> None:
    result = run_pipeline(
        picture[None, :, :LAYER_COLUMNS],
        [KERNELS["sound_rising"].weights],
        "grayscale",
        ConvSettings(),
        PoolSettings("max", (2, 2), (2, 2)),
        (0.0,),
        True,
    )
    panel_pictures(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    long_file = wav(30.0)
    long_sound = decode_sound(long_file)
    chirp = sample_sound("rising")
    model = load_model("sound-net")
    x = torch.from_numpy(network_picture(chirp)[0])[None, None]
    rows = [
        ("decode + resample, 30 s stereo 44.1 kHz WAV (5.3 MB)", lambda: decode_sound(long_file)),
        ("spectrogram, 2 s chirp, 512 / 128 (257 × 247)", lambda: spectrogram(chirp, 512, 128)),
        ("spectrogram, 2 s chirp, mel, 512 / 128 (64 × 247)", lambda: spectrogram(chirp, 512, 128, mel=True)),
        ("spectrogram, 30 s, 512 / 128 (257 × 3,747)", lambda: spectrogram(long_sound, 512, 128)),
        ("spectrogram, 30 s, 512 / 32 (257 × 14,985: the densest)", lambda: spectrogram(long_sound, 512, 32)),
        ("sound-net's input (loudest 1.04 s), 30 s", lambda: network_picture(long_sound)),
        ("sound-net forward", lambda: model(x)),
        ("layer + panels, 2 s chirp (257 × 247)", lambda: layer(spectrogram(chirp, 512, 128).picture())),
        (
            "layer + panels, 30 s at 512 / 128 (257 × 1,024 read)",
            lambda: layer(spectrogram(long_sound, 512, 128).picture()),
        ),
        (
            "layer + panels, 30 s at 2048 / 128 (1,025 × 1,024 read)",
            lambda: layer(spectrogram(long_sound, 2048, 128).picture()),
        ),
    ]
    width = max(len(name) for name, _ in rows) + 2
    print(f"Beyond images, server side: median of {args.repeats} runs, one torch thread ({os.cpu_count()} CPU cores)")
    for name, fn in rows:
        print(f"{name.ljust(width)}{median_ms(fn, args.repeats):9.1f} ms")


if __name__ == "__main__":
    main()
