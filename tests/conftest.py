from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
APP_TIMEOUT = 180  # importing torch and the first run take a while on a busy 2-core machine


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives the real app in headless Chromium (deselect with -m 'not e2e')")


@pytest.fixture
def png_bytes():
    def make(width: int = 80, height: int = 60) -> bytes:
        y, x = np.mgrid[0:height, 0:width]
        rgb = np.stack([(x * 3) % 256, (y * 4) % 256, np.full_like(x, 90)], axis=2).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "PNG")
        return buf.getvalue()

    return make
