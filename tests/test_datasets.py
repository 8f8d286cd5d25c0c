import numpy as np
import pytest

from viz.datasets import DEFAULT_DATA_DIR, data_dir, load_cifar10, load_mnist, load_xo
from viz.errors import ConvScopeError


def test_data_folder_defaults_to_shared_data(monkeypatch):
    monkeypatch.delenv("CONVSCOPE_DATA", raising=False)
    assert data_dir() == DEFAULT_DATA_DIR and DEFAULT_DATA_DIR.parts[-2:] == ("shared", "data")
    monkeypatch.setenv("CONVSCOPE_DATA", "/somewhere")
    assert str(data_dir()) == "/somewhere"
    assert str(data_dir("/given")) == "/given"


def test_missing_data_says_what_to_do(tmp_path):
    with pytest.raises(ConvScopeError, match="--data DIR"):
        load_mnist(tmp_path)
    with pytest.raises(ConvScopeError, match="CONVSCOPE_DATA"):
        load_cifar10(tmp_path)


def test_xo_data_is_generated_and_balanced():
    (x, y), (xt, yt) = load_xo(200, 100)
    assert x.shape == (200, 16, 16) and xt.shape == (100, 16, 16)
    assert np.bincount(y).tolist() == [100, 100]
    assert not np.array_equal(x[:100], xt)
