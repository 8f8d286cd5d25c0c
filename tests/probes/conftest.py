"""The shipped networks and one of their own samples each, as the probes get them."""

from __future__ import annotations

import numpy as np
import pytest

from viz.models import get_spec, load_model
from viz.probes.pixel_space import pixel_space
from viz.samples import load_sample

CASES = {"xo-net": "x_drawn", "lenet5-mnist": "digit_3", "tinyvgg-cifar10": "chelsea"}


class Case:
    def __init__(self, model_id: str) -> None:
        self.spec = get_spec(model_id)
        self.model = load_model(model_id)
        self.x = self.spec.preprocess(load_sample(CASES[model_id], 256).pixels)
        self.space = pixel_space(self.spec.input_kind)
        with np.errstate(all="ignore"):
            import torch

            with torch.no_grad():
                self.logits = self.model(torch.from_numpy(self.x)[None])[0].numpy()
        self.predicted = int(self.logits.argmax())


_cases: dict[str, Case] = {}


@pytest.fixture(params=list(CASES))
def case(request) -> Case:
    if request.param not in _cases:
        _cases[request.param] = Case(request.param)
    return _cases[request.param]


@pytest.fixture
def photo_case() -> Case:
    if "tinyvgg-cifar10" not in _cases:
        _cases["tinyvgg-cifar10"] = Case("tinyvgg-cifar10")
    return _cases["tinyvgg-cifar10"]
