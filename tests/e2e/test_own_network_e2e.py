"""Open your own network in a real browser: an ONNX file exported here, its classes named by a JSON file."""

from __future__ import annotations

import json

import torch

from tests.e2e.helpers import main_text, settle, wait_for_text
from tests.e2e.test_inspector_e2e import open_inspector, said
from tests.test_onnx_network import NETWORKS, Residual, _with_statistics, exported


def test_an_onnx_file_opens_and_every_layer_is_shown(page, server, tmp_path):
    torch.manual_seed(0)
    onnx_file, names = tmp_path / "residual.onnx", tmp_path / "classes.json"
    onnx_file.write_bytes(exported(_with_statistics(Residual()), NETWORKS["residual"][1]))
    names.write_text(json.dumps({"classes": ["red", "green", "blue"], "mean": [0.5] * 3, "std": [0.25] * 3}))
    open_inspector(page, server)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Open your own network").click()
    settle(page)
    sidebar.locator('[data-testid="stExpander"] input[type="file"]').set_input_files([str(onnx_file), str(names)])
    page.wait_for_selector('[data-testid="stSidebar"] button:has-text("Open it")', timeout=60_000)
    settle(page)
    sidebar.get_by_role("button", name="Open it").click()
    wait_for_text(page, "stem")
    assert said(page) in ("red", "green", "blue")
    text = main_text(page)
    for layer in ("stem", "side", "fc"):
        assert layer in text
    assert "Add of" in text
