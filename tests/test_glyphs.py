import numpy as np

from viz.glyphs import draw_glyph, glyph_dataset, random_glyph


def test_the_lesson_x_is_two_diagonals():
    x = draw_glyph("X", 9)
    assert set(np.unique(x)) == {-1.0, 1.0}
    assert all(x[i, i] == 1 and x[i, 8 - i] == 1 for i in range(1, 8))
    assert x[0].max() == -1 and x[:, 0].max() == -1  # a background border


def test_the_lesson_o_is_a_ring():
    o = draw_glyph("O", 9)
    assert o[4, 4] == -1 and o[4, 0] == 1 and o[0, 4] == 1


def test_random_glyphs_stay_on_the_grid_and_vary():
    rng = np.random.default_rng(0)
    glyphs = [random_glyph("O", 16, rng) for _ in range(50)]
    assert all(g.shape == (16, 16) and (g == 1).sum() > 10 for g in glyphs)
    assert len({g.tobytes() for g in glyphs}) == 50


def test_dataset_is_balanced_and_reproducible():
    x, y = glyph_dataset(100, 16, seed=5)
    assert x.shape == (100, 16, 16) and np.bincount(y).tolist() == [50, 50]
    x2, y2 = glyph_dataset(100, 16, seed=5)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
