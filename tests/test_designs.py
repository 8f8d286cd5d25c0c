import pytest
import torch

from viz.designs import Design, build, layer_rows, parameter_count


@pytest.mark.parametrize(
    "design",
    [
        Design(),
        Design(blocks=3, filters=8, kernel=5),
        Design(blocks=2, filters=1, kernel=7, pool="none"),
        Design(input_shape=(3, 32, 32), classes=5, blocks=3, filters=16, kernel=3),
        Design(blocks=3, filters=6, kernel=3, widths=(6, 24, 3)),
        Design(blocks=2, filters=4, kernel=5, pool="average", widths=(4, 64)),
    ],
)
def test_the_table_says_what_the_built_network_does(design):
    model = build(design)
    x = torch.zeros((1, *design.input_shape))
    rows = layer_rows(design)
    names = [name for name, _ in model.named_children()]
    assert names == [r.name for r in rows]
    for (name, module), row in zip(model.named_children(), rows, strict=True):
        x = module(x)
        assert tuple(x.shape[1:]) == row.output, name
        assert sum(p.numel() for p in module.parameters()) == row.parameters, name
    assert parameter_count(design) == sum(p.numel() for p in model.parameters())


def test_the_lesson_sized_default_by_hand():
    rows = {r.name: r for r in layer_rows(Design())}
    assert rows["conv1"].parameters == 4 * (3 * 3 * 1 + 1)  # 4 filters of 3×3 and a bias each
    assert rows["pool1"].shape_label == "8×8×4" and rows["flatten"].output == (256,)
    assert rows["fc1"].parameters == 256 * 2 + 2


def test_each_block_has_the_filters_chosen_and_the_old_rule_without_widths():
    assert [Design(blocks=3, filters=4).filters_of(b) for b in range(3)] == [4, 8, 16]  # cards without widths
    chosen = Design(blocks=3, filters=4, widths=(4, 4, 12))
    assert [chosen.filters_of(b) for b in range(3)] == [4, 4, 12] and chosen.widths_text == "4 → 4 → 12 filters"
    rows = {r.name: r for r in layer_rows(chosen)}
    assert rows["conv3"].parameters == 12 * (3 * 3 * 4 + 1)  # by hand: 12 filters reading block 2's 4 maps


def test_average_pooling_averages_by_hand():
    model = build(Design(blocks=1, filters=1, kernel=3, pool="average"))
    assert isinstance(model.pool1, torch.nn.AvgPool2d)
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    assert model.pool1(x)[0, 0, 0, 0] == (0 + 1 + 4 + 5) / 4


@pytest.mark.parametrize(
    "bad",
    [
        dict(blocks=0),
        dict(blocks=4),
        dict(kernel=4),
        dict(pool="avg"),
        dict(filters=0),
        dict(blocks=2, filters=4, widths=(4,)),
        dict(blocks=2, filters=4, widths=(5, 8)),
        dict(blocks=2, filters=4, widths=(4, 65)),
    ],
)
def test_designs_the_page_cannot_offer_are_refused(bad):
    with pytest.raises(ValueError):
        Design(**bad)


def test_too_many_poolings_for_a_tiny_input_are_refused():
    with pytest.raises(ValueError):
        Design(input_shape=(1, 4, 4), blocks=3)
