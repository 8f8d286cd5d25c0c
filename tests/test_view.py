"""The playground's view and its link: a public interface, so every rule is pinned here."""

import numpy as np
import pytest

from viz.view import DEFAULT, MAX_FILTERS, View, as_grid, link_from_view, view_from_link


def round_trip(view: View) -> View:
    return view_from_link(link_from_view(view))


def random_view(seed: int) -> View:
    rng = np.random.default_rng(seed)
    n_filters = int(rng.integers(1, MAX_FILTERS + 1))
    kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    slices = int(rng.integers(1, 4))
    kernels = tuple(as_grid(rng.normal(size=(slices, kh, kw)).astype(np.float32)) for _ in range(n_filters))
    numbers = as_grid(np.round(rng.normal(size=(int(rng.integers(1, 5)), 6, 5)) * 8) / 8) if seed % 2 else None
    return View(
        sample=str(rng.choice(["astronaut", "circle", "x_lesson"])),
        size=int(rng.choice([64, 256, 1024])),
        numbers=numbers,
        filter=str(rng.choice(["laplacian", "sobel_vertical"])),
        kernels=kernels,
        biases=tuple(float(b) for b in rng.normal(size=n_filters).astype(np.float32)) if seed % 3 else (0.5,),
        mode=str(rng.choice(["grayscale", "per_channel", "3d"])),
        stride=(int(rng.integers(1, 5)), int(rng.integers(1, 5))),
        dilation=(int(rng.integers(1, 3)), int(rng.integers(1, 3))),
        padding=str(rng.choice(["valid", "same", "explicit"])),
        pad=tuple(int(p) for p in rng.integers(0, 4, 4)),
        normalized=bool(rng.integers(0, 2)),
        relu=bool(rng.integers(0, 2)),
        pool=str(rng.choice(["max", "average", "none"])),
        window=(int(rng.integers(1, 5)), int(rng.integers(1, 5))),
        pool_stride=(int(rng.integers(1, 5)), int(rng.integers(1, 5))),
        pool_pad=(0, 1, 0, 1),
        ceil=bool(rng.integers(0, 2)),
        count_pad=bool(rng.integers(0, 2)),
        row=int(rng.integers(0, 9)),
        col=int(rng.integers(0, 9)),
        map=int(rng.integers(0, 3)),
    )


@pytest.mark.parametrize("seed", range(40))
def test_view_to_link_to_view_is_exact(seed):
    view = random_view(seed)
    back = round_trip(view)
    assert back == view and not back.notes


def test_the_default_view_is_an_empty_link():
    assert link_from_view(DEFAULT) == {}
    assert view_from_link({}) == DEFAULT


def test_the_issues_examples_parse():
    view = view_from_link(
        {
            "x": "0,1,2;3,4,5;6,7,8",
            "k": ["0,1;2,3", "1,0;0,1"],
            "bias": "0,1",
            "stride": "2,1",
            "pad": "0,1,1,0",
            "padding": "explicit",
            "pool": "none",
            "relu": "0",
        }
    )
    assert not view.notes
    assert np.array_equal(np.asarray(view.numbers), np.arange(9).reshape(1, 3, 3))
    assert [w.tolist() for w in view.filter_weights()] == [[[[0, 1], [2, 3]]], [[[1, 0], [0, 1]]]]
    assert view.biases == (0.0, 1.0) and view.stride == (2, 1) and view.pad == (0, 1, 1, 0)
    assert view.pool == "none" and view.relu is False


def test_links_shared_before_this_format_still_open():
    """The first link format (one k, square, slices by '|'; int stride, window…) is a subset."""
    view = view_from_link(
        {"sample": "circle", "filter": "laplacian", "stride": "2", "pool": "average", "window": "3", "pool_stride": "3"}
        | {"k": "1,0,-1;2,0,-2;1,0,-1", "bias": "0.5", "normalized": "1", "padding": "explicit", "pad": "2"}
    )
    assert not view.notes
    assert view.stride == (2, 2) and view.window == (3, 3) and view.pad == (2, 2, 2, 2) and view.biases == (0.5,)
    assert view.filter_weights()[0].tolist() == [[[1, 0, -1], [2, 0, -2], [1, 0, -1]]]


@pytest.mark.parametrize(
    "name,raw",
    [
        ("stride", "0"),
        ("stride", "1,2,3"),
        ("mode", "4d"),
        ("pad", "-1"),
        ("pool", "median"),
        ("size", "999"),
        ("x", "1,2;3"),
        ("x", "1,zwei"),
        ("bias", "nan"),
        ("ceil", "yes"),
        ("filter", "../../etc/passwd"),
    ],
)
def test_a_bad_value_is_named_in_a_note_and_the_default_used(name, raw):
    view = view_from_link({name: raw})
    assert len(view.notes) == 1 and f"{name}=" in view.notes[0]
    assert view == DEFAULT


def test_notes_never_carry_markup_or_long_text():
    view = view_from_link({"k": "[Log in](https://evil.example/" + "a" * 5000 + ")"})
    note = view.notes[0]
    assert len(note) < 300
    outside = "".join(note.split("`")[::2])
    assert "](" not in outside and "http" not in outside


def test_a_64_by_64_by_4_typed_input_fits_in_a_link():
    numbers = as_grid(np.round(np.random.default_rng(0).random((4, 64, 64)) * 100) / 4)
    view = View(numbers=numbers)
    assert round_trip(view) == view


def test_filters_of_different_sizes_are_refused_with_a_note():
    view = view_from_link({"k": ["1,0;0,1", "1,2,3;4,5,6;7,8,9"]})
    assert len(view.filter_weights()) == 1 and "different sizes" in view.notes[0]


def test_too_many_biases_for_the_filters_fall_back_to_zero():
    view = view_from_link({"k": ["1,0;0,1", "0,1;1,0"], "bias": "1,2,3"})
    assert view.biases == (0.0,) and "3 biases for 2 filters" in view.notes[0]


def test_numbers_too_long_for_python_are_named_not_thrown():
    """int() refuses strings of over 4,300 digits with a message about sys.set_int_max_str_digits."""
    view = view_from_link({"stride": ["1" * 5000], "size": ["9" * 5000], "row": ["abc"]})
    assert view.stride == (1, 1) and view.size == 512
    assert all("not a whole number the page can use" in note for note in view.notes), view.notes
    assert not any("set_int_max_str_digits" in note for note in view.notes)
