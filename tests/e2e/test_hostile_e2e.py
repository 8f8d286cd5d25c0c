"""A few hostile files through the real page's file input: a message, never an exception."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import open_app
from tests.e2e.test_playground_e2e import upload
from tests.hostile import corpus

CORPUS = corpus()


@pytest.mark.parametrize("name", ["zero-bytes.png", "truncated.jpg", "bomb.png", "page.html.jpg"])
def test_hostile_upload_gives_a_message(page, server, name):
    open_app(page, server["url"])
    upload(page, name, CORPUS[name][0], "image/jpeg" if name.endswith(".jpg") else "image/png")
    alerts = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert any(word in alerts for word in ("empty", "damaged", "too many pixels", "not an image")), alerts


@pytest.mark.parametrize("name", ["exif-rotated.jpg", "cmyk.jpg", "gray-16bit.png"])
def test_awkward_but_valid_upload_just_works(page, server, name):
    open_app(page, server["url"])
    upload(page, name, CORPUS[name][0], "image/jpeg" if name.endswith(".jpg") else "image/png")
    assert page.locator('[data-testid="stAlert"]').count() == 0
