import numpy as np
import pytest

from tests.reference import conv2d_loops, pool2d_loops, relu_loops
from viz.errors import ConvScopeError
from viz.ops import (
    ConvSettings,
    PoolSettings,
    conv2d,
    conv_output_shape,
    conv_padding,
    output_size,
    pool2d,
    pool_output_shape,
    relu,
    same_padding,
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
    assert output_size(32, 5) == 28


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
    assert output_size(n, k, s, (p, p)) == expected


def test_same_padding_keeps_size_for_every_kernel():
    for k in (1, 2, 3, 4, 5, 7, 11):
        pads = conv_padding("same", (20, 15), (k, k), (1, 1), (1, 1))
        out = conv2d(np.zeros((1, 20, 15), np.float32), np.zeros((1, 1, k, k), np.float32), ConvSettings(1, pads))
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


# ---------------------------------------------------------------- every option, against the loops
@pytest.mark.parametrize("seed", range(40))
def test_general_conv2d_matches_nested_loops(seed):
    """Rectangular kernels, per-axis stride and dilation, padding per side, one bias per filter."""
    rng = np.random.default_rng(100 + seed)
    c, m = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    dilation = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    pads = tuple(int(p) for p in rng.integers(0, 3, 4))
    h = int(rng.integers(max(1, dilation[0] * (kh - 1) + 1 - pads[0] - pads[2]), 12))
    w = int(rng.integers(max(1, dilation[1] * (kw - 1) + 1 - pads[1] - pads[3]), 12))
    image = rng.normal(size=(c, h, w)).astype(np.float32)
    weights = rng.normal(size=(m, c, kh, kw)).astype(np.float32)
    biases = rng.normal(size=m).astype(np.float32)
    settings = ConvSettings(stride, pads, dilation=dilation)
    fast = conv2d(image, weights, settings, biases)
    slow = conv2d_loops(image, weights, stride, pads, biases, dilation)
    assert fast.shape == slow.shape == (m, *conv_output_shape(h, w, (kh, kw), settings))
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("kind", ["max", "average"])
def test_general_pool2d_matches_loops(seed, kind):
    """Rectangular windows, per-axis strides, padding per side, ceil mode, padding counted or not."""
    rng = np.random.default_rng(200 + seed)
    window = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    pads = (
        int(rng.integers(0, window[0] // 2 + 1)),
        int(rng.integers(0, window[1] // 2 + 1)),
        int(rng.integers(0, window[0] // 2 + 1)),
        int(rng.integers(0, window[1] // 2 + 1)),
    )
    ceil, count_pad = bool(rng.integers(0, 2)), bool(rng.integers(0, 2))
    maps = rng.normal(size=(2, int(rng.integers(window[0], 12)), int(rng.integers(window[1], 12)))).astype(np.float32)
    settings = PoolSettings(kind, window, stride, pads, ceil, count_pad)
    fast = pool2d(maps, settings)
    slow = pool2d_loops(maps, window, stride, kind, pads, ceil, count_pad)
    assert fast.shape == slow.shape == (2, *pool_output_shape(*maps.shape[1:], settings))
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("seed", range(30))
def test_output_size_formulas_give_the_computed_shapes(seed):
    rng = np.random.default_rng(300 + seed)
    n, k, s, d = int(rng.integers(1, 30)), int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
    before, after = int(rng.integers(0, 3)), int(rng.integers(0, 3))
    expected = (n + before + after - d * (k - 1) - 1) // s + 1
    assert output_size(n, k, s, (before, after), d) == max(expected, 0)
    if expected > 0:
        image = np.zeros((1, n, 3), np.float32)
        out = conv2d(
            image, np.zeros((1, 1, k, 1), np.float32), ConvSettings((s, 1), (before, 0, after, 0), dilation=(d, 1))
        )
        assert out.shape[1] == expected


@pytest.mark.parametrize("n,k,s", [(512, 2, 1), (512, 3, 2), (7, 2, 2), (6, 3, 1), (5, 4, 3), (1, 3, 1)])
def test_same_padding_is_tensorflows(n, k, s):
    """⌈n/s⌉ outputs; the odd zero goes after (bottom/right)."""
    before, after = same_padding(n, k, s)
    assert output_size(n, k, s, (before, after)) == -(-n // s)
    assert after - before in (0, 1)


def test_same_padding_examples():
    assert same_padding(512, 2) == (0, 1)  # a 2×2 kernel keeps 512, not 511
    assert same_padding(6, 3, 2) == (0, 1)  # stride 2 on an even size: the zero goes at the end
    assert conv_padding("same", (4, 5), (3, 3), (2, 2), (1, 1)) == (0, 1, 1, 1)  # TF: rows 0+1, columns 1+1


# ---------------------------------------------------------------- published worked examples
def test_d2l_cross_correlation():
    """Dive into Deep Learning, 7.2.1: corr2d(arange(9) as 3×3, [[0, 1], [2, 3]]) = [[19, 25], [37, 43]]."""
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3)
    k = np.array([[[[0, 1], [2, 3]]]], np.float32)
    np.testing.assert_array_equal(conv2d(x, k, ConvSettings())[0], [[19, 25], [37, 43]])


def test_d2l_padding_and_strides():
    """D2L 7.3: an 8×8 input, 3×3 kernel, padding 1, stride 2 -> 4×4; a 3×5 kernel, padding (0, 1),
    stride (3, 4) -> 2×2; a 5×3 kernel, padding (2, 1) -> 8×8."""
    x = np.zeros((1, 8, 8), np.float32)
    assert conv2d(x, np.zeros((1, 1, 3, 3), np.float32), ConvSettings(2, 1)).shape == (1, 4, 4)
    assert conv2d(x, np.zeros((1, 1, 3, 5), np.float32), ConvSettings((3, 4), (0, 1))).shape == (1, 2, 2)
    assert conv2d(x, np.zeros((1, 1, 5, 3), np.float32), ConvSettings(1, (2, 1))).shape == (1, 8, 8)


def test_d2l_pooling():
    """D2L 7.5: arange(16) as 4×4; 3×3 max pool, padding 1, stride 2 -> [[5, 7], [13, 15]];
    2×2 average pool of arange(9) as 3×3 at stride 1 -> [[2, 3], [5, 6]]."""
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    np.testing.assert_array_equal(pool2d(x, PoolSettings("max", 3, 2, 1))[0], [[5, 7], [13, 15]])
    y = np.arange(9, dtype=np.float32).reshape(1, 3, 3)
    np.testing.assert_array_equal(pool2d(y, PoolSettings("average", 2, 1))[0], [[2, 3], [5, 6]])


def test_rohrers_pooling_keeps_partial_windows():
    """ "How convolutional neural networks work": 2×2 max pooling at stride 2 turns a 7×7 map into 4×4."""
    fmap = np.random.default_rng(0).random((1, 7, 7)).astype(np.float32)
    pooled = pool2d(fmap, PoolSettings("max", 2, 2, ceil=True))
    assert pooled.shape == (1, 4, 4)
    assert pooled[0, 3, 3] == fmap[0, 6, 6]  # the corner window holds one cell
    assert pooled[0, 0, 3] == fmap[0, 0:2, 6].max()


def test_no_pooling_passes_the_map_through():
    maps = np.random.default_rng(1).normal(size=(2, 3, 3)).astype(np.float32)
    np.testing.assert_array_equal(pool2d(maps, PoolSettings("none")), maps)
    assert pool_output_shape(3, 3, PoolSettings("none")) == (3, 3)


def test_max_pool_padding_never_wins():
    """PyTorch and ONNX pad max pooling with −∞: an all-negative map stays negative."""
    maps = -np.ones((1, 3, 3), np.float32)
    np.testing.assert_array_equal(pool2d(maps, PoolSettings("max", 2, 2, 1))[0], -np.ones((2, 2)))


def test_pooling_padding_over_half_the_window_is_a_user_error():
    with pytest.raises(ConvScopeError, match="at most half the window"):
        pool2d(np.zeros((1, 6, 6), np.float32), PoolSettings("max", 2, 2, 2))


@pytest.mark.parametrize("window,stride", [((2, 2), (2, 2)), ((3, 3), (1, 1)), ((3, 2), (2, 3)), ((5, 5), (5, 5))])
def test_max_pooling_by_strided_views_equals_the_loops_with_padding_and_partial_windows(window, stride):
    maps = np.random.default_rng(5).normal(size=(3, 23, 19)).astype(np.float32)
    for pads, ceil in (((0, 0, 0, 0), False), ((1, 0, 1, 0), True), ((0, 0, 0, 0), True)):
        settings = PoolSettings("max", window, stride, pads, ceil)
        np.testing.assert_array_equal(pool2d(maps, settings), pool2d_loops(maps, window, stride, "max", pads, ceil))


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_the_direct_convolution_path_for_small_kernels_equals_the_loops(k):
    image = np.random.default_rng(6).normal(size=(3, 17, 21)).astype(np.float32)
    weights = np.random.default_rng(7).normal(size=(5, 3, k, k)).astype(np.float32)
    for stride in (1, 2):
        fast = conv2d(image, weights, ConvSettings(stride=stride))
        slow = conv2d_loops(image, weights, stride, 0)
        np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)
