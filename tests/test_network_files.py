import json
import pickle

import pytest
import torch

from viz.designs import Design, build
from viz.errors import ConvScopeError
from viz.network_files import card_for, from_files, to_files

TWO_BLOCKS = Design(blocks=2, filters=3, kernel=5)


def _files(design=TWO_BLOCKS):
    torch.manual_seed(0)
    model = build(design)
    card = card_for(design, ("X", "O"), "test net", 0.97, 500, 5)
    return model, design, *to_files(model, card)


def test_a_download_opens_again_exactly():
    model, design, weights, card = _files()
    again, card_back, design_back = from_files(weights, card)
    assert design_back == design and card_back["classes"] == ["X", "O"]
    assert card_back["parameters"] == sum(p.numel() for p in model.parameters())
    for k, v in model.state_dict().items():
        assert torch.equal(again.state_dict()[k], v)


def test_chosen_widths_and_average_pooling_travel_in_the_card_and_old_cards_still_open():
    design = Design(blocks=3, filters=2, kernel=3, pool="average", widths=(2, 6, 4))
    model, design, weights, card = _files(design)
    again, _, design_back = from_files(weights, card)
    assert design_back == design and isinstance(again.pool2, torch.nn.AvgPool2d)
    # a card written before widths existed: the doubling rule, as those networks were built
    _, old, old_weights, old_card = _files(TWO_BLOCKS)
    data = json.loads(old_card)
    del data["design"]["widths"]
    _, _, design_old = from_files(old_weights, json.dumps(data).encode())
    assert [design_old.filters_of(b) for b in range(2)] == [3, 6]


def _bad_card(card: bytes, **change) -> bytes:
    data = json.loads(card)
    data.update(change)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "spoil, says",
    [
        (lambda w, c: (w, b"{not json"), "not valid JSON"),
        (lambda w, c: (w, _bad_card(c, kind="something else")), "not the card"),
        (lambda w, c: (w, _bad_card(c, design={"blocks": 9})), "lacks a valid design"),
        (lambda w, c: (w, _bad_card(c, classes=["X"])), "lacks a valid design"),
        (lambda w, c: (w[: len(w) // 2], c), "cannot be read"),
        (lambda w, c: (pickle.dumps({"conv1.weight": 1}), c), "cannot be read"),
        (lambda w, c: (_files(Design())[2], c), "do not match the design"),
    ],
)
def test_bad_files_are_explained(spoil, says):
    _, _, weights, card = _files()
    w, c = spoil(weights, card)
    with pytest.raises(ConvScopeError, match=says):
        from_files(w, c)


def test_nan_weights_are_refused():
    model, design, _, card = _files()
    with torch.no_grad():
        model.conv1.weight[0, 0, 0, 0] = float("nan")
    weights, _ = to_files(model, json.loads(card))
    with pytest.raises(ConvScopeError, match="NaN"):
        from_files(weights, card)


def test_a_digit_network_says_it_reads_digits_and_a_wrong_reading_is_refused():
    design = Design(input_shape=(1, 32, 32), classes=10)
    model = build(design)
    card = card_for(design, tuple("0123456789"), "digits", 0.99, 500, 5, reads="digit")
    weights, card_bytes = to_files(model, card)
    assert from_files(weights, card_bytes)[1]["reads"] == "digit"
    with pytest.raises(ConvScopeError, match="lacks a valid"):
        from_files(weights, _bad_card(card_bytes, reads="audio"))
