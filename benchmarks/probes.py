"""How long each probe of "Inside the CNN · Probe it" takes, server-side, on every shipped network.

    python benchmarks/probes.py [--repeats 5]

Each probe at the largest setting the page offers (occlusion with step 1, PGD with 40 steps, the
favourite picture's full 160 steps); the target is 3 s each. Medians of repeated runs, one torch thread
per probe as on a busy classroom server, and two (this machine's cores) for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from viz.models import MODELS, get_spec, load_model
from viz.probes import adversarial, attribution, invariance, maximize
from viz.probes.examples import examples_for
from viz.probes.pixel_space import pixel_space
from viz.samples import load_sample
from viz.sound.generated import sample_sound
from viz.sound.network_input import network_picture

SAMPLES = {"xo-net": "x_drawn", "lenet5-mnist": "digit_3", "tinyvgg-cifar10": "chelsea"}
TARGET_S = 3.0


def probes(model_id: str) -> dict:
    spec, model = get_spec(model_id), load_model(model_id)
    if spec.input_kind == "sound":  # sound-net reads a spectrogram: the rising chirp's
        x = network_picture(sample_sound("rising"))[0][None]
    else:
        x = spec.preprocess(load_sample(SAMPLES[model_id], 512).pixels)
    space = pixel_space(spec.input_kind)
    pixels = space.to_pixels(x)
    target = int(model(torch.from_numpy(x)[None]).argmax())
    convs = attribution.conv_layers(model)
    inputs, _ = examples_for(spec.input_kind, spec.preprocess)
    size = max(2, x.shape[1] // 6)
    background = None if spec.input_kind == "photo" else 0.0
    return {
        "saliency": lambda: attribution.saliency(model, x, target),
        "SmoothGrad (32 copies)": lambda: attribution.smoothgrad(model, x, target),
        "Grad-CAM (last conv)": lambda: attribution.grad_cam(model, x, target, convs[-1]),
        "occlusion (h/6 square), step 1": lambda: attribution.occlusion(
            model, x, target, size, 1, space.grey(x.shape[0])
        ),
        "FGSM": lambda: adversarial.attack(model, space, pixels, 8, method="fgsm"),
        "PGD, 40 steps": lambda: adversarial.attack(model, space, pixels, 8, steps=40),
        "shift + turn + noise, every layer": lambda: invariance.compare(
            model, x, space.to_input(invariance.changed(pixels, invariance.Change(3, 2, 5.0, 8), background))
        ),
        "favourite picture (160 steps)": lambda: maximize.favourite_picture(
            model, space, x.shape, convs[-1], 0, **maximize.regularizers(spec.input_kind)
        ),
        "strongest examples (all of them)": lambda: maximize.strongest_examples(model, inputs, convs[-1], 0),
    }


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    worst = 0.0
    for threads in (1, 2):
        torch.set_num_threads(threads)
        print(f"\n{threads} torch thread{'s' if threads > 1 else ''}: median seconds of {args.repeats} runs")
        print(f"{'probe':40s}" + "".join(f"{m:>17s}" for m in MODELS))
        table = {m: {k: median_seconds(fn, args.repeats) for k, fn in probes(m).items()} for m in MODELS}
        for name in next(iter(table.values())):
            row = [table[m][name] for m in MODELS]
            worst = max(worst, *row)
            print(f"{name:40s}" + "".join(f"{v:17.3f}" for v in row))
    print(f"\nslowest probe: {worst:.2f} s (target: every probe within {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()
