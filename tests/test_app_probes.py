"""Inside the CNN · Probe it, through AppTest: each probe on each shipped network, and their bad corners."""

from __future__ import annotations

import pytest

from tests.test_app_inspector import open_page
from viz.models import MODELS
from viz.ui.probes import PROBES


def probe(model_id: str, kind: str, **state):
    return open_page(model_id, inspector_tab="Probe it", probe_kind=kind, **state)


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [e.value for e in at.success] + [e.value for e in at.info]
    return "\n".join(parts)


@pytest.mark.parametrize("model_id", list(MODELS))
@pytest.mark.parametrize("kind", PROBES)
def test_every_probe_opens_on_every_network(model_id, kind):
    at = probe(model_id, kind)
    assert not at.exception
    words = texts(at)
    expected = {
        "Where it looked": ["Saliency", "SmoothGrad", "Grad-CAM", "Occlusion", "not of"],
        "Fool it": ["The change, made visible", "8-bit"],
        "Shift it": ["agrees with its old self", "pooling", "The map moves with the picture"],
        "What a channel wants": ["wants", "steps up the gradient"],
    }[kind]
    for word in expected:
        assert word in words, (word, words[:2000])


def test_the_probes_only_run_in_their_own_tab():
    at = open_page("lenet5-mnist")
    assert "Saliency" not in texts(at)


def test_occlusion_lists_the_most_damaging_places_with_the_class_it_says_then():
    at = probe("tinyvgg-cifar10", "Where it looked", probe_occlusion_size=8, probe_occlusion_stride=4)
    table = at.dataframe[0].value
    assert len(table) == 5 and {"grey square at", "drop", "then it says"} <= set(table.columns)
    drops = [float(d.replace("−", "-")) for d in table["drop"]]
    assert drops == sorted(drops, reverse=True)


def test_fooling_the_cat_says_so_and_offers_the_png_that_still_fools_it():
    at = probe("tinyvgg-cifar10", "Fool it", probe_epsilon=4, probe_method="PGD", probe_steps=10)
    assert at.error and at.error[0].value.startswith("Fooled")
    assert "no pixel moved by more than 4/255" in at.error[0].value


def test_a_budget_of_zero_says_nothing_changes():
    at = probe("tinyvgg-cifar10", "Fool it", probe_epsilon=0)
    assert any("budget of 0" in i.value for i in at.info)


def test_drawings_explain_why_there_is_no_download():
    at = probe("lenet5-mnist", "Fool it", probe_epsilon=8)
    assert "No download for drawings" in texts(at)


def test_shifting_reports_the_first_conv_and_the_last_pool():
    at = probe("tinyvgg-cifar10", "Shift it", probe_dx=3, probe_dy=2)
    words = texts(at)
    assert "conv1" in words and "pool4" in words and "r =" in words


def test_no_shift_invites_the_user_to_move_it():
    at = probe("xo-net", "Shift it", probe_dx=0, probe_dy=0, probe_degrees=0, probe_noise=0)
    assert any("Move, turn or add noise" in i.value for i in at.info)


def test_what_a_class_wants_names_the_class_and_its_strongest_examples():
    at = probe("xo-net", "What a channel wants", probe_layer="fc1", probe_want_class=0)
    words = texts(at)
    assert "What 'X' wants" in words and "The examples that excite 'X' most" in words


def test_a_channel_number_beyond_the_layer_is_brought_back():
    at = probe("lenet5-mnist", "What a channel wants", probe_layer="conv1", probe_channel=50)
    assert at.session_state["probe_channel"] == 0 and not at.exception


def test_probing_a_swapped_network_works():
    at = probe("lenet5-mnist", "Where it looked", inspector_swap_on=True)
    assert not at.exception and "Grad-CAM" in texts(at)
