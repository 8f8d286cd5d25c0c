"""The Beyond images page's own link parameters, beside the playground's (viz.view): a public interface
that only ever grows, like theirs.

| parameter | meaning |
| --- | --- |
| sound | a generated sample: rising, falling, steady, chord, clicks, noise or tune |
| frame | the spectrogram's window, in samples: 128, 256, 512, 1024 or 2048 |
| hop | samples between windows: 32, 64, 128, 256 or 512 |
| mel | 1: 64 mel bands instead of linear frequency rows |
"""

from __future__ import annotations

from collections.abc import Mapping

from viz.errors import quoted
from viz.sound.generated import DEFAULT_SOUND, SOUND_SAMPLES
from viz.sound.spectrogram import HOPS, WINDOWS

DEFAULT_WINDOW, DEFAULT_HOP = 512, 128


def read(link: Mapping[str, str | None]) -> tuple[dict, list[str]]:
    """Widget values (keys sound_sound_source, sound_sound_sample, sound_window, sound_hop, sound_mel) from a
    link, and a note for each value that could not be used (that setting keeps its default)."""
    settings: dict = {}
    notes: list[str] = []
    sound = link.get("sound")
    if sound is not None:
        if sound in SOUND_SAMPLES:
            settings |= {"sound_sound_source": "Generated sample", "sound_sound_sample": sound}
        else:
            notes.append(
                f"The link's sound {quoted(sound)} is not one of {', '.join(SOUND_SAMPLES)}; showing {DEFAULT_SOUND}."
            )
    for name, key, options in (("frame", "sound_window", WINDOWS), ("hop", "sound_hop", HOPS)):
        raw = link.get(name)
        if raw is None:
            continue
        if len(raw) <= 5 and raw.strip().isdigit() and int(raw) in options:
            settings[key] = int(raw)
        else:
            notes.append(
                f"The link's {name} {quoted(raw)} is not one of {', '.join(map(str, options))}; using the default."
            )
    mel = link.get("mel")
    if mel is not None:
        if mel in ("0", "1"):
            settings["sound_mel"] = mel == "1"
        else:
            notes.append(f"The link's mel {quoted(mel)} is not 0 or 1; using linear frequencies.")
    return settings, notes


def write(sound: str | None, window: int, hop: int, mel: bool) -> dict[str, str]:
    """The parameters that differ from the page's defaults (a sample's name only for a generated sound)."""
    out: dict[str, str] = {}
    if sound is not None:
        out["sound"] = sound
    if window != DEFAULT_WINDOW:
        out["frame"] = str(window)
    if hop != DEFAULT_HOP:
        out["hop"] = str(hop)
    if mel:
        out["mel"] = "1"
    return out
