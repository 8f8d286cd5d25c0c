import numpy as np
import pytest

from tests.reference import conv2d_loops, pool2d_loops, relu_loops
from viz.errors import ConvScopeError
from viz.ops import (
    ConvSettings,
    PoolSettings,
    conv2d,
    output_size,
    padding_amount,
    pool2d,
    relu,
    zeroed_share,
)


@pytest.mark.parametrize("seed", range(12))
def test_conv2d_matches_nested_loops_on_random_shapes(seed):
    rng = np.random.default_rng(seed)
    c, m = rng.integers(1, 4), rng.integers(1, 3)
    k = int(rng.integers(1, 6))
    h, w = int(rng.integers(k, 14)), int(rng.integers(k, 14))
    stride, padding = int(rng.integers(1, 5)), int(rng.integers(0, 3))
    bias = float(rng.normal())
    image = rng.normal(size=(c, h, w)).astype(np.float32)
    weights = rng.normal(size=(m, c, k, k)).astype(np.float32)
    fast = conv2d(image, weights, ConvSettings(stride, padding, bias))
    slow = conv2d_loops(image, weights, stride, padding, bias)
    assert fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("window,stride", [(2, 2), (3, 1), (2, 3), (4, 4), (3, 2)])
def test_pool2d_matches_loops(kind, window, stride):
    maps = np.random.default_rng(window * 10 + stride).normal(size=(2, 11, 9)).astype(np.float32)
    np.testing.assert_allclose(
        pool2d(maps, PoolSettings(kind, window, stride)), pool2d_loops(maps, window, stride, kind), rtol=1e-5, atol=1e-6
    )


def test_relu_matches_loops_and_counts_zeroed():
    maps = np.array([[[-1.0, 2.0], [0.0, -3.0]]], dtype=np.float32)
    np.testing.assert_array_equal(relu(maps), relu_loops(maps))
    assert zeroed_share(maps, relu(maps)) == 0.5


def test_five_by_five_kernel_on_32_gives_28():
    out = conv2d(np.zeros((1, 32, 32), np.float32), np.zeros((1, 1, 5, 5), np.float32), ConvSettings())
    assert out.shape == (1, 28, 28)
    assert output_size(32, 5, 0, 1) == 28


def test_two_by_two_stride_two_max_pool_of_ten_gives_five():
    assert pool2d(np.zeros((1, 10, 10), np.float32), PoolSettings("max", 2, 2)).shape == (1, 5, 5)


def test_hand_worked_three_by_three():
    # 3×3 image and kernel, valid: one output = sum of elementwise products.
    image = np.arange(9, dtype=np.float32).reshape(1, 3, 3)
    kernel = np.array([[[[1, 0, -1], [1, 0, -1], [1, 0, -1]]]], dtype=np.float32)
    # (0+3+6)·1 + (2+5+8)·(−1) = 9 − 15 = −6: cross-correlation, kernel not flipped.
    assert conv2d(image, kernel, ConvSettings()).item() == -6.0


@pytest.mark.parametrize(
    "n,k,p,s,expected", [(512, 3, 0, 1, 510), (512, 3, 1, 1, 512), (7, 3, 0, 2, 3), (10, 4, 1, 3, 3)]
)
def test_output_size_formula(n, k, p, s, expected):
    assert output_size(n, k, p, s) == expected


def test_same_padding_keeps_size_for_odd_kernels():
    for k in (1, 3, 5, 7, 11):
        p = padding_amount("same", k)
        out = conv2d(np.zeros((1, 20, 15), np.float32), np.zeros((1, 1, k, k), np.float32), ConvSettings(1, p))
        assert out.shape == (1, 20, 15)


def test_normalized_match_divides_by_weight_count_before_bias():
    image = np.ones((1, 3, 3), np.float32)
    kernel = np.ones((1, 1, 3, 3), np.float32)
    assert conv2d(image, kernel, ConvSettings(normalized=True)).item() == pytest.approx(1.0)
    assert conv2d(image, kernel, ConvSettings(normalized=True, bias=0.5)).item() == pytest.approx(1.5)


def test_kernel_larger_than_image_is_a_user_error():
    with pytest.raises(ConvScopeError, match="larger than the 1×1 image"):
        conv2d(np.zeros((1, 1, 1), np.float32), np.zeros((1, 1, 3, 3), np.float32), ConvSettings())


def test_padding_can_make_a_large_kernel_fit():
    out = conv2d(np.ones((1, 1, 1), np.float32), np.ones((1, 1, 3, 3), np.float32), ConvSettings(padding=1))
    assert out.shape == (1, 1, 1) and out.item() == 1.0


def test_pool_window_larger_than_map_is_a_user_error():
    with pytest.raises(ConvScopeError, match="pooling window is larger"):
        pool2d(np.zeros((1, 3, 3), np.float32), PoolSettings("max", 4, 1))
