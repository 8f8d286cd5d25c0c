import numpy as np

from viz.render import (
    channel_grid,
    csv_text,
    diverging,
    enlarge,
    format_number,
    number_table_html,
    outline,
    png_bytes,
    robust_limit,
)


def test_diverging_is_white_at_zero_blue_below_red_above():
    rgb = diverging(np.array([[-1.0, 0.0, 1.0]]), 1.0)[0]
    assert rgb[1].tolist() == [247, 247, 247]
    assert rgb[0, 2] > rgb[0, 0]  # negative: blue
    assert rgb[2, 0] > rgb[2, 2]  # positive: red


def test_robust_limit_ignores_a_few_outliers_but_not_sparse_maps():
    values = np.ones(10_000)
    values[0] = 1000
    assert robust_limit(values) == 100  # a tenth of the max, above the 99.5th percentile (1)
    edge = np.zeros(1000)
    edge[:3] = 5
    assert robust_limit(edge) == 0.5
    assert robust_limit(np.zeros(4)) == 1.0


def test_enlarge_by_whole_factors():
    small = np.zeros((9, 9, 3), np.uint8)
    assert enlarge(small).shape == (261, 261, 3)
    assert enlarge(np.zeros((600, 800, 3), np.uint8)).shape == (600, 800, 3)


def test_outline_draws_inside_the_image_only():
    img = np.zeros((10, 10, 3), np.uint8)
    out = outline(img, -1, -1, 3, 3, colour=(255, 0, 0))
    assert out[1, 0, 0] == 255 and out[5, 5, 0] == 0


def test_channel_grid_tiles_all_channels():
    grid = channel_grid(np.zeros((6, 4, 5)), columns=3, gap=1)
    assert grid.shape == (2 * 4 + 1, 3 * 5 + 2, 3)


def test_csv_has_every_value():
    text = csv_text(np.arange(6, dtype=np.float32).reshape(1, 2, 3), ["gray"])
    assert text.splitlines() == ["# gray: 2 rows × 3 columns", "0,1,2", "3,4,5"]


def test_png_and_table():
    assert png_bytes(np.zeros((4, 4, 3), np.uint8)).startswith(b"\x89PNG")
    html = number_table_html(np.array([[-1.5, 0], [2, 0.25]]))
    assert html.count("<td") == 4 and "−1.5" in html and "0.25" in html


def test_number_format():
    assert [format_number(v) for v in (0, -0.5, 12, 1 / 9)] == ["0", "−0.5", "12", "0.11"]
