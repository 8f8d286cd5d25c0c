import numpy as np
import pytest

from viz.errors import ConvScopeError
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
                    result.kernel_of(m),
                    row,
                    col,
                    stride,
                    padding,
                    0.25,
                    result.kernel_of(m).size if normalized else 1.0,
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


@pytest.mark.parametrize("seed", range(15))
def test_every_explanation_adds_up_to_its_value_with_any_settings(seed):
    """Rectangular kernels, per-axis stride and dilation, padding per side: each location's sum is the map's value."""
    from viz.ops import conv2d

    rng = np.random.default_rng(500 + seed)
    c, kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    stride, dilation = tuple(rng.integers(1, 3, 2)), tuple(rng.integers(1, 3, 2))
    pads = tuple(int(p) for p in rng.integers(0, 3, 4))
    image = rng.normal(size=(c, int(rng.integers(6, 10)), int(rng.integers(6, 10)))).astype(np.float32)
    kernel = rng.normal(size=(c, kh, kw)).astype(np.float32)
    settings = ConvSettings(stride, pads, 0.5, dilation=dilation)
    fmap = conv2d(image, kernel[None], settings)[0]
    for r in range(fmap.shape[0]):
        for col in range(fmap.shape[1]):
            ex = explain_conv(image, kernel, r, col, stride, pads, 0.5, 1.0, dilation)
            assert ex.value == pytest.approx(float(fmap[r, col]), abs=1e-4)
    with pytest.raises(ConvScopeError):
        explain_conv(image, kernel, fmap.shape[0], 0, stride, pads, 0.5, 1.0, dilation)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("kind", ["max", "average"])
def test_every_pool_explanation_gives_the_pooled_value(seed, kind):
    """Padding, partial windows and counted padding: the explained window's result is the pooled map's."""
    from viz.ops import pool2d

    rng = np.random.default_rng(700 + seed)
    window = tuple(int(v) for v in rng.integers(1, 4, 2))
    stride = tuple(int(v) for v in rng.integers(1, 4, 2))
    pads = (
        int(rng.integers(0, window[0] // 2 + 1)),
        int(rng.integers(0, window[1] // 2 + 1)),
        int(rng.integers(0, window[0] // 2 + 1)),
        int(rng.integers(0, window[1] // 2 + 1)),
    )
    settings = PoolSettings(kind, window, stride, pads, bool(rng.integers(0, 2)), bool(rng.integers(0, 2)))
    rect = np.maximum(rng.normal(size=(int(rng.integers(3, 9)), int(rng.integers(3, 9)))), 0).astype(np.float32)
    pooled = pool2d(rect[None], settings)[0]
    for r in range(rect.shape[0]):
        for col in range(rect.shape[1]):
            pe = explain_pool(rect, r, col, settings)
            if pe is not None:
                assert pe.pooled == pytest.approx(float(pooled[pe.out_row, pe.out_col]), abs=1e-5)
                assert pe.top <= r < pe.top + window[0] and pe.left <= col < pe.left + window[1]
