"""The Beyond images page's link parameters: read back what is written, and every bad value named."""

from __future__ import annotations

import pytest

from viz.sound.link import read, write


def test_what_is_written_reads_back():
    link = write("chord", 1024, 64, True)
    assert link == {"sound": "chord", "frame": "1024", "hop": "64", "mel": "1"}
    settings, notes = read(link)
    assert notes == []
    assert settings == {
        "sound_sound_source": "Generated sample",
        "sound_sound_sample": "chord",
        "sound_window": 1024,
        "sound_hop": 64,
        "sound_mel": True,
    }


def test_defaults_and_recordings_stay_out_of_the_link():
    assert write(None, 512, 128, False) == {}


@pytest.mark.parametrize(
    "link, says",
    [
        ({"sound": "![x](https://example.org/x.png)"}, "`![x](https://example.or…`"),  # a code span, cut
        ({"frame": "999"}, "frame `999`"),
        ({"hop": "-1"}, "hop `-1`"),
        ({"mel": "yes"}, "mel `yes`"),
        ({"frame": "1" * 5000}, "…"),
    ],
)
def test_bad_values_are_named_safely_and_ignored(link, says):
    settings, notes = read(link)
    assert settings == {} and len(notes) == 1 and says in notes[0]
