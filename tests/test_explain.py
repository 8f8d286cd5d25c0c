import numpy as np
import pytest

from viz.explain import explain_conv, explain_pool, pool_windows_of
from viz.ops import ConvSettings, PoolSettings
from viz.pipeline import run_pipeline


@pytest.mark.parametrize("mode", ["grayscale", "per_channel", "3d"])
@pytest.mark.parametrize("stride,padding,normalized", [(1, 0, False), (2, 1, True), (3, 2, False)])
def test_every_explanation_adds_up_to_the_feature_value(mode, stride, padding, normalized):
    rng = np.random.default_rng(stride * 7 + padding)
    image = rng.random((1 if mode == "grayscale" else 3, 13, 11)).astype(np.float32)
    kernel = rng.normal(size=(3, 3)).astype(np.float32)
    conv = ConvSettings(stride, padding, 0.25, normalized)
    result = run_pipeline(image, kernel, mode, conv, PoolSettings("max", 2, 2))
    for m in range(result.feature.shape[0]):
        reads = result.input_channels_of(m)
        for row in range(result.feature.shape[1]):
            for col in range(result.feature.shape[2]):
                ex = explain_conv(
                    image[reads],
                    result.kernel,
                    row,
                    col,
                    stride,
                    padding,
                    0.25,
                    result.kernel.size if normalized else 1.0,
                )
                assert ex.value == pytest.approx(float(result.feature[m, row, col]), abs=1e-4)
                np.testing.assert_allclose(ex.products, ex.patch * ex.kernel)


def test_patch_in_the_padding_is_zero_and_counted():
    image = np.ones((1, 4, 4), np.float32)
    ex = explain_conv(image, np.ones((1, 3, 3), np.float32), 0, 0, stride=1, padding=1)
    assert ex.padded_cells == 5
    assert ex.value == 4.0
    assert (ex.top, ex.left) == (-1, -1)


def test_pool_explanation_names_the_winner():
    rect = np.array([[0, 3, 1, 0], [2, 1, 0, 5], [0, 0, 0, 0], [1, 0, 0, 0]], np.float32)
    pe = explain_pool(rect, 0, 1, PoolSettings("max", 2, 2))
    assert pe.is_winner and pe.pooled == 3 and pe.winner == (0, 1) and (pe.out_row, pe.out_col) == (0, 0)
    loser = explain_pool(rect, 1, 0, PoolSettings("max", 2, 2))
    assert not loser.is_winner and loser.pooled == 3
    avg = explain_pool(rect, 1, 3, PoolSettings("average", 2, 2))
    assert avg.pooled == pytest.approx(1.5)


def test_locations_skipped_by_a_large_pool_stride():
    assert explain_pool(np.zeros((6, 6), np.float32), 2, 2, PoolSettings("max", 2, 3)) is None
    assert pool_windows_of(1, 1, PoolSettings("max", 3, 1), 6, 6) == [(0, 0), (0, 1), (1, 0), (1, 1)]
