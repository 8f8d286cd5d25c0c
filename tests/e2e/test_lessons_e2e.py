"""The README's textbook links, opened in a real browser: the CSV downloads hold the published numbers."""

from __future__ import annotations

import numpy as np
import pytest

from tests.e2e.helpers import settle
from tests.lesson_examples import EXAMPLES, matches


def read_csv(text: str) -> np.ndarray:
    """The download's layout: one map row per line, maps separated by one blank line, numbers only."""
    maps = [block for block in text.strip("\n").split("\n\n")]
    return np.array([[[float(v) for v in line.split(",")] for line in block.split("\n")] for block in maps])


def download(page, name: str) -> str:
    with page.expect_download() as info:
        page.locator(f".st-key-playground_dl_{name}_csv button").click()
    return open(info.value.path(), encoding="utf-8").read()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.source.split(",")[0])
def test_a_textbook_link_downloads_the_published_numbers(page, server, example):
    page.goto(server["url"] + "/" + example.link)
    page.wait_for_selector(".st-key-playground_dl_feature-map_csv button")
    settle(page, 1000)
    assert page.locator('[data-testid="stAlert"]').count() == 0  # no note: the link is read whole
    feature = read_csv(download(page, "feature-map"))
    if example.feature is not None:
        assert matches(feature, example.feature, example), feature
    if example.pooled is not None:
        pooled = read_csv(download(page, "pooled"))
        assert matches(pooled, example.pooled, example), pooled
    relu = read_csv(download(page, "relu"))
    assert relu.shape == feature.shape
