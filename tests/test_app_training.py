"""The "Train it yourself" page through AppTest: train, watch it end, open the result in Inside the CNN."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP_TIMEOUT, ROOT

PAGE = str(ROOT / "tests" / "app_pages" / "training.py")


def open_page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT)
    at.session_state["train_pace"] = "As fast as it goes"
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def train_to_the_end(at: AppTest, timeout: float = 60) -> str:
    at.button(key="train_go").click().run()
    end = time.monotonic() + timeout
    while not re.search(r"Finished|diverged|Stopped", text(at)):
        assert time.monotonic() < end, text(at)[-400:]
        time.sleep(0.5)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return text(at)


def test_train_xo_to_the_end_and_see_the_accuracy():
    at = open_page()
    assert "Random weights, not trained yet" in text(at)
    said = train_to_the_end(at)
    accuracy = float(
        re.search(r"Finished: 5 epochs, 315 steps in [\d.]+ s — held-out accuracy \*\*([\d.]+)%", said).group(1)
    )
    assert accuracy >= 95
    assert "Backpropagation's gradient for this weight" in said and "the same to" in said


def test_a_learning_rate_far_too_high_is_shown_diverging():
    at = open_page()
    at.selectbox(key="train_preset").set_value("Learning rate far too high (it diverges)").run()
    assert at.select_slider(key="train_lr").value == 10.0
    said = train_to_the_end(at)
    assert "It diverged" in said and not re.search(r"\bnan\b", said, re.IGNORECASE)  # no "nan" among the numbers


def test_the_trained_network_opens_in_inside_the_cnn_with_its_layers():
    at = open_page(train_blocks=2)
    train_to_the_end(at)
    at.button(key="train_open").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Inside the CNN"
    assert at.selectbox(key="inspector_model").value.startswith("mine-")
    page = text(at)
    for name, shape in (("conv1", "16×16×4"), ("pool1", "8×8×4"), ("conv2", "8×8×8"), ("pool2", "4×4×8"), ("fc1", "2")):
        assert re.search(rf"\*\*{name}\*\* · [^\n]*\n`{shape}`", page), name
    assert re.search(r"### It says: \*\*[XO]\*\*", page)


def test_each_block_gets_its_own_filters_and_average_pooling_opens_inside():
    at = open_page(train_blocks=2, train_filters=3, train_filters2=12, train_pool="average", train_epochs=1)
    page = text(at)
    assert "Filters in block 2 (conv2)" in [s.label for s in at.select_slider]
    train_to_the_end(at)
    at.button(key="train_open").click().run()
    assert not at.exception, [e.message for e in at.exception]
    page = text(at)
    for name, shape in (("conv1", "16×16×3"), ("pool1", "8×8×3"), ("conv2", "8×8×12"), ("pool2", "4×4×12")):
        assert re.search(rf"\*\*{name}\*\* · [^\n]*\n`{shape}`", page), name
    assert "average pooling" in page and "3 → 12 filters" in " ".join(c.value for c in at.caption)


def test_a_network_too_small_to_learn_is_shown_stuck_at_guessing():
    from viz.ui.training import PRESETS

    at = open_page(**PRESETS["A network too small to learn (3 blocks of 1 filter)"])
    page = train_to_the_end(at)
    assert "no better than guessing (50%)" in page and "only 4 numbers" in page, page[-600:]


def _bar(vertical: bool, rng) -> np.ndarray:
    """A drawing on white paper: one thick black bar, upright or lying, somewhere on the page."""
    page = np.ones((200, 200, 3), np.float32)
    at, length, width = rng.integers(40, 160), rng.integers(90, 150), rng.integers(14, 24)
    start = rng.integers(20, 200 - length - 20)
    if vertical:
        page[start : start + length, at - width // 2 : at + width // 2] = 0
    else:
        page[at - width // 2 : at + width // 2, start : start + length] = 0
    return page


def test_draw_two_classes_train_and_a_new_drawing_is_classified():
    rng = np.random.default_rng(0)
    at = open_page(train_task="own", train_class_names="upright, lying")
    assert "5 more needed" in text(at)
    for name, vertical in (("upright", True), ("lying", False)):
        at.radio(key="train_add_to").set_value(name).run()
        for _ in range(6):
            at.session_state["test_drawing"] = _bar(vertical, rng)
            at.run()
            at.button(key="train_add").click().run()
    assert "**upright** · 6 examples" in text(at) and "**lying** · 6 examples" in text(at)
    said = train_to_the_end(at)
    assert "Finished" in said
    at.session_state["test_drawing"] = _bar(True, rng)
    at.run()
    assert "### It says: **upright**" in text(at)
    at.session_state["test_drawing"] = _bar(False, rng)
    at.run()
    assert "### It says: **lying**" in text(at)


@pytest.mark.parametrize(
    ("names", "says"), [("one", "Name 2 to 5"), ("a, A", "its own name"), ("a,b,c,d,e,f", "Name 2 to 5")]
)
def test_bad_class_names_are_explained(names, says):
    at = open_page(train_task="own", train_class_names=names)
    assert any(says in w.value for w in at.warning)


def test_one_server_queue_limit_is_the_cores_at_most_two():
    open_page()  # (the page's module is imported under Streamlit's runtime, as the app does)
    from viz.ui import training

    assert 1 <= training.QUEUE.limit <= 2


def test_digits_drawn_by_code_train_and_read_a_digit():
    from viz.digits import draw_digit

    at = open_page(train_task="digits")
    table = at.dataframe[0].value
    assert table.iloc[0]["output"] == "32×32×1" and table.iloc[2]["output"] == "32×32×4"  # input, relu1
    said = train_to_the_end(at)
    assert float(re.search(r"held-out accuracy \*\*([\d.]+)%", said).group(1)) >= 95
    at.session_state["test_drawing"] = draw_digit(7, dark_on_light=True)
    at.run()
    assert "### It says: **7**" in text(at)
