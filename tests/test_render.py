import numpy as np

from viz.render import (
    channel_grid,
    csv_text,
    diverging,
    enlarge,
    format_number,
    number_table_html,
    numbers_picture,
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


def test_csv_is_numbers_only_with_maps_split_by_a_blank_line():
    maps = np.array([[[0, 1, 2], [3, 4, 5]], [[1 / 3, -2, 0.1], [7, 8, 9]]], dtype=np.float32)
    text = csv_text(maps)
    assert text.splitlines() == ["0,1,2", "3,4,5", "", "0.333333343,-2,0.100000001", "7,8,9"]
    back = [
        np.array([[float(v) for v in row.split(",")] for row in block.split("\n")])
        for block in text.strip().split("\n\n")
    ]
    assert np.array_equal(np.array(back, dtype=np.float32), maps)  # every float32 exactly


def test_numbers_picture_writes_every_value():
    picture = numbers_picture(np.array([[[1.0, -2.5], [np.nan, 0]]], np.float32), cell=40)
    assert picture.shape == (82, 82, 3) and picture.dtype == np.uint8
    assert len(np.unique(picture.reshape(-1, 3), axis=0)) > 4  # cell colours and text


def test_png_and_table():
    assert png_bytes(np.zeros((4, 4, 3), np.uint8)).startswith(b"\x89PNG")
    html = number_table_html(np.array([[-1.5, 0], [2, 0.25]]))
    assert html.count("<td") == 4 and "−1.5" in html and "0.25" in html


def test_number_format():
    assert [format_number(v) for v in (0, -0.5, 12, 1 / 9)] == ["0", "−0.5", "12", "0.11"]
