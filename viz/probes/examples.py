"""The examples a probe compares against: the samples of the network's kind, and for the lesson's and the
digit networks, their code-made held-out examples (never the shared data files)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from viz.samples import DIGIT_SAMPLES, GLYPH_SAMPLES, PHOTO_SAMPLES, load_sample

MADE_UP = 300  # code-made examples added to the samples (X/O and digit networks)


@functools.cache
def _made_up(kind: str) -> tuple[np.ndarray, tuple[str, ...]]:
    from viz.live_training import digit_dataset, xo_dataset

    data = xo_dataset() if kind == "glyph" else digit_dataset()
    x = data.x_held[:MADE_UP].numpy()
    names = tuple(f"a made-up {data.classes[int(k)]} (#{i})" for i, k in enumerate(data.y_held[:MADE_UP]))
    return x, names


def _sounds() -> tuple[list[np.ndarray], list[str]]:
    """sound-net's inputs of the generated samples, and 60 made-up held-out sounds (10 of each class)."""
    from viz.sound.generated import SOUND_CLASSES, SOUND_SAMPLES, random_sounds, sample_sound
    from viz.sound.network_input import NET_SAMPLES, RATE, network_picture, network_pictures

    inputs = [network_picture(sample_sound(k))[0][None] for k in SOUND_SAMPLES]
    names = [f"sample '{k}'" for k in SOUND_SAMPLES]
    sounds, labels = random_sounds(60, NET_SAMPLES / RATE, seed=99)
    inputs += list(network_pictures(sounds))
    names += [f"a made-up {SOUND_CLASSES[int(y)]} sound (#{i})" for i, y in enumerate(labels)]
    return inputs, names


def examples_for(input_kind: str, preprocess: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """(N, C, H, W) network inputs and a name for each; empty for networks of the user's own drawings."""
    keys = {
        "photo": PHOTO_SAMPLES,
        "onnx-photo": PHOTO_SAMPLES,
        "onnx-gray": PHOTO_SAMPLES,
        "glyph": GLYPH_SAMPLES,
        "digit": DIGIT_SAMPLES,
        "onnx-digit": DIGIT_SAMPLES,
    }.get(input_kind, [])
    inputs = [preprocess(load_sample(k, 512).pixels) for k in keys]
    names = [f"sample '{k}'" for k in keys]
    if keys is PHOTO_SAMPLES:  # and each photo mirrored
        inputs += [x[:, :, ::-1].copy() for x in inputs]
        names += [f"{n}, mirrored" for n in names]
    if input_kind == "sound":
        inputs, names = _sounds()
    if not inputs:
        return np.zeros((0, 1, 1, 1), np.float32), []
    stacked = np.stack(inputs).astype(np.float32)
    if input_kind in ("glyph", "digit"):
        made, made_names = _made_up(input_kind)
        stacked = np.concatenate([stacked, made.astype(np.float32)])
        names += list(made_names)
    return stacked, names
