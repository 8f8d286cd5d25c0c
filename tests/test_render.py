import io

import numpy as np
from PIL import Image

from viz.render import (
    DISPLAY_SIDE,
    block_mean,
    channel_grid,
    csv_text,
    display_grid,
    display_picture,
    diverging,
    enlarge,
    format_number,
    jpeg_bytes,
    map_picture,
    number_table_html,
    numbers_picture,
    outline,
    png_bytes,
    robust_limit,
    shrink_picture,
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


def test_robust_limit_of_many_values_reads_an_even_sample_close_to_the_exact_percentile():
    values = np.random.default_rng(3).normal(size=(8, 510, 510)).astype(np.float32)
    exact = float(np.percentile(np.abs(values), 99.5))
    assert abs(robust_limit(values) - exact) < 0.01 * exact
    values[3, 100, 100] = 1e6  # the maximum is always exact: one huge value still sets the floor
    assert robust_limit(values) == 1e5


def test_block_mean_averages_whole_and_partial_blocks():
    maps = np.arange(2 * 5 * 7, dtype=np.float32).reshape(2, 5, 7)
    reduced = block_mean(maps, 3)
    assert reduced.shape == (2, 2, 3)
    for c in range(2):
        for r in range(2):
            for col in range(3):  # by hand: the plain mean of what each block holds
                assert reduced[c, r, col] == maps[c, 3 * r : 3 * r + 3, 3 * col : 3 * col + 3].mean()
    assert block_mean(maps, 1) is maps


def test_display_grids_are_at_most_the_display_size_and_small_maps_are_enlarged_crisply():
    big = np.random.default_rng(0).normal(size=(8, 510, 510)).astype(np.float32)
    grid = display_grid(big, 1.0, 4)
    assert max(grid.shape[:2]) <= DISPLAY_SIDE and grid.shape[1] > 600
    np.testing.assert_array_equal(grid[:170, :170], channel_grid(block_mean(big[:1], 3), 1.0)[:170, :170])
    tiny = display_grid(np.eye(4, dtype=np.float32)[None], 1.0, 1)
    assert tiny.shape == (256, 256, 3) and (tiny[:64, :64] == tiny[0, 0]).all()  # each cell one block of colour
    photo = np.zeros((3000, 2000, 3), np.uint8)
    assert display_picture(photo).shape == (DISPLAY_SIDE, DISPLAY_SIDE * 2 // 3, 3)


def test_jpeg_bytes_keep_colours_close_without_chroma_subsampling():
    rgb = np.zeros((64, 64, 3), np.uint8)
    rgb[:, ::2] = (178, 24, 43)  # one-pixel red stripes: 4:2:0 subsampling would smear them pink
    back = np.asarray(Image.open(io.BytesIO(jpeg_bytes(rgb))))
    assert np.abs(back.astype(int) - rgb).max() < 40


def test_a_map_picture_is_one_pixel_per_cell_or_block_means_when_large():
    values = np.zeros((40, 30), np.float32)
    values[10, 20] = 1.0
    small = map_picture(values, 1.0)
    assert small.shape == (40, 30, 3)
    assert tuple(small[10, 20]) == tuple(diverging(np.ones((1, 1), np.float32), 1.0)[0, 0])
    large = np.zeros((1021, 1020), np.float32)
    large[:2, :2] = 1.0  # one 2×2 block: its mean is 1
    picture = map_picture(large, 1.0)
    assert picture.shape == (511, 510, 3)  # reduced 2×, the partial last block kept
    assert tuple(picture[0, 0]) == tuple(small[10, 20])


def test_shrink_picture_keeps_small_pictures_and_averages_large_ones():
    rgb = np.zeros((1040, 520, 3), np.uint8)
    assert shrink_picture(rgb[:100]).shape == (100, 520, 3)
    assert shrink_picture(rgb).shape == (520, 260, 3)
