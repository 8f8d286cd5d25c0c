"""Each published worked example, opened from its link, gives the published numbers."""

import re

import pytest

from tests.conftest import ROOT
from tests.lesson_examples import EXAMPLES, matches
from viz.images import to_channels
from viz.samples import load_sample
from viz.view import grid_array, run_view, view_from_link


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.source.split(",")[0])
def test_the_link_reproduces_the_published_numbers(example):
    view = view_from_link(example.query)
    assert not view.notes
    if view.numbers is not None:
        channels = grid_array(view.numbers)
    else:
        channels = to_channels(load_sample(view.sample, view.size), grayscale=view.mode == "grayscale")
    result = run_view(view, channels)
    if example.feature is not None:
        assert matches(result.feature, example.feature, example), result.feature
    if example.pooled is not None:
        assert matches(result.pooled, example.pooled, example), result.pooled


def test_the_readme_lists_every_example_link():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\(http://localhost:8501/(\?[^)\s]+)\)", readme)
    assert [e.link for e in EXAMPLES] == [link for link in links if link in {e.link for e in EXAMPLES}]
    assert {e.link for e in EXAMPLES} <= set(links)
