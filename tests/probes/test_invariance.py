import numpy as np
import pytest

from viz.probes.invariance import Change, changed, compare, correlation


def test_a_shift_moves_every_pixel_by_whole_steps_and_fills_with_the_background():
    pixels = np.random.default_rng(0).random((2, 6, 7)).astype(np.float32)
    moved = changed(pixels, Change(dx=2, dy=-1), background=0.0)
    for c in range(2):
        for r in range(6):
            for q in range(7):
                src_r, src_q = r + 1, q - 2
                inside = 0 <= src_r < 6 and 0 <= src_q < 7
                assert moved[c, r, q] == (pixels[c, src_r, src_q] if inside else 0.0)


def test_photos_repeat_their_edge_instead_of_a_background():
    pixels = np.random.default_rng(0).random((3, 5, 5)).astype(np.float32)
    moved = changed(pixels, Change(dx=1), background=None)
    np.testing.assert_array_equal(moved[:, :, 0], pixels[:, :, 0])
    np.testing.assert_array_equal(moved[:, :, 1:], pixels[:, :, :-1])


def test_no_change_is_the_identity_and_noise_is_seeded():
    pixels = np.random.default_rng(0).random((1, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(changed(pixels, Change(), 0.0), pixels)
    a = changed(pixels, Change(noise=8, seed=3), 0.0)
    np.testing.assert_array_equal(a, changed(pixels, Change(noise=8, seed=3), 0.0))
    assert 0 < np.abs(a - pixels).std() * 255 < 12
    assert Change().words() == "unchanged" and "2 px right" in Change(dx=2).words()


def test_correlation_is_pearsons():
    rng = np.random.default_rng(0)
    a, b = rng.random((3, 4, 4)), rng.random((3, 4, 4))
    assert correlation(a, b) == pytest.approx(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    assert np.isnan(correlation(np.ones(4), a.ravel()[:4]))


def test_unchanged_input_agrees_everywhere(case):
    result = compare(case.model, case.x, case.x.copy())
    assert [r.name for r in result.layers] == ["input"] + [layer.name for layer in result.before]
    assert all(r.correlation == pytest.approx(1.0) or np.isnan(r.correlation) for r in result.layers)
    np.testing.assert_allclose(result.p_before, result.p_after)


def test_after_a_three_pixel_shift_the_last_pooled_maps_agree_better_than_the_first_conv(case):
    """The lessons' claim, measured on each shipped network's own sample."""
    background = None if case.spec.input_kind == "photo" else 0.0
    shifted = case.space.to_input(changed(case.space.to_pixels(case.x), Change(dx=3, dy=2), background))
    rows = {r.name: r.correlation for r in compare(case.model, case.x, shifted).layers}
    last_pool = [r.name for r in compare(case.model, case.x, shifted).layers if r.kind == "pool"][-1]
    assert rows[last_pool] > rows["conv1"], rows
