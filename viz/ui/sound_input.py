"""Choosing a sound: a generated sample, a recording made in the browser, or an uploaded file.

Widget keys: <page>_sound_source, <page>_sound_sample, <page>_sound_record, <page>_sound_upload.
A recording or an upload is decoded in memory once (kept in the session, the latest only) and never
saved or logged.
"""

from __future__ import annotations

import streamlit as st

from viz.errors import ConvScopeError
from viz.images import Picture, gray_picture
from viz.sound.audio import MAX_SECONDS, MAX_SOUND_MB, SOUND_TYPES, Sound, decode_sound, wav_bytes
from viz.sound.generated import DEFAULT_SOUND, SOUND_SAMPLES, sample_sound
from viz.sound.network_input import NET_SAMPLES, RATE, network_picture
from viz.ui.caching import cached_result

GENERATED, RECORD, UPLOAD = "Generated sample", "Record", "Upload"
SOUND_SOURCES = (GENERATED, RECORD, UPLOAD)
OUT_OF_DOMAIN = (
    "sound-net learned from generated sounds only (rising and falling glides, steady tones, chords, clicks and "
    "noise bursts): your own sound is outside what it has seen, so its answer is the closest of its six names, "
    "not a judgement of the sound, and it may be wrong with high confidence."
)


@cached_result(max_entries=16, max_mb=16)
def generated(key: str) -> Sound:
    return sample_sound(key)


def choose_sound(page: str) -> Sound | None:
    """The chosen sound, or None after saying in the page what is missing or wrong."""
    if st.session_state.get(f"{page}_sound_source") not in SOUND_SOURCES:
        st.session_state[f"{page}_sound_source"] = GENERATED
    if st.session_state.get(f"{page}_sound_sample") not in SOUND_SAMPLES:
        st.session_state[f"{page}_sound_sample"] = DEFAULT_SOUND
    source = st.radio("Sound source", SOUND_SOURCES, key=f"{page}_sound_source", horizontal=True)
    if source == GENERATED:
        key = st.selectbox(
            "Generated sound",
            list(SOUND_SAMPLES),
            key=f"{page}_sound_sample",
            format_func=lambda k: SOUND_SAMPLES[k].label,
        )
        return generated(key)
    if source == RECORD:
        file = st.audio_input(
            f"Record a few seconds (up to {MAX_SECONDS:.0f} s)",
            key=f"{page}_sound_record",
            help="Your recording is processed in memory only: it is never saved or logged.",
        )
    else:
        file = st.file_uploader(
            f"Upload a sound (WAV, FLAC or OGG; up to {MAX_SECONDS:.0f} s and {MAX_SOUND_MB} MB)",
            type=list(SOUND_TYPES),
            key=f"{page}_sound_upload",
            help="Your sound is processed in memory only: it is never saved or logged.",
        )
    carried = st.session_state.get(f"_{page}_sound_carried")
    if file is None and carried is not None and carried[0] == source:
        st.caption("The sound you chose on the Beyond images page; record or upload another to replace it.")
        return carried[1]
    if file is None:
        st.session_state.pop(f"_{page}_sound_decoded", None)  # a removed sound leaves nothing behind
        st.info(
            "Record a sound to see it as a picture."
            if source == RECORD
            else "Choose a sound file to see it as a picture."
        )
        return None
    st.session_state.pop(f"_{page}_sound_carried", None)
    kept = st.session_state.get(f"_{page}_sound_decoded")
    if kept is not None and kept[0] == file.file_id:
        return kept[1]
    try:
        with st.spinner("Opening your sound…"):
            sound = decode_sound(file.getbuffer())
    except ConvScopeError as exc:
        st.session_state.pop(f"_{page}_sound_decoded", None)
        st.error(str(exc))
        return None
    st.session_state[f"_{page}_sound_decoded"] = (file.file_id, sound)
    return sound


def carry(sound: Sound | None, from_page: str, to_page: str) -> None:
    """Give to_page's chooser the same choice as from_page's (a recording or an upload as decoded, in memory)."""
    source = st.session_state.get(f"{from_page}_sound_source", GENERATED)
    st.session_state[f"{to_page}_sound_source"] = source
    st.session_state[f"{to_page}_sound_sample"] = st.session_state.get(f"{from_page}_sound_sample", DEFAULT_SOUND)
    if source == GENERATED or sound is None:
        st.session_state.pop(f"_{to_page}_sound_carried", None)
    else:
        st.session_state[f"_{to_page}_sound_carried"] = (source, sound)


def is_generated(page: str) -> bool:
    return st.session_state.get(f"{page}_sound_source", GENERATED) == GENERATED


def network_input(sound: Sound) -> tuple[Picture, float]:
    """What sound-net reads of the sound, as a grey picture of its mel spectrogram, and where that part starts (s)."""
    values, start = network_picture(sound)
    where = (
        f"the loudest {NET_SAMPLES / RATE:.2f} s, from {start:.2f} s"
        if sound.seconds > NET_SAMPLES / RATE
        else f"padded with silence to {NET_SAMPLES / RATE:.2f} s"
    )
    return gray_picture(values, f"{sound.source}: {where}", sound.notes), start


def network_source(page: str) -> Picture | None:
    """The chosen sound as sound-net's input (for Inside the CNN), with a player."""
    sound = choose_sound(page)
    if sound is None:
        return None
    st.audio(wav_bytes(sound), format="audio/wav")
    return network_input(sound)[0]
