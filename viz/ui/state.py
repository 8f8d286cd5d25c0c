"""Widget defaults, and the page settings kept in the URL so a teacher can share a link."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

Parser = Callable[[str], Any]


def ensure_defaults(defaults: Mapping[str, Any]) -> None:
    """Give every widget key its default once, so widgets are created from session state only."""
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def restore_from_url(page: str, params: Mapping[str, Parser]) -> None:
    """On a session's first visit to `page`, copy valid URL parameters into its widget keys.

    A parameter that does not parse or validate is ignored: a bad link opens the defaults.
    """
    flag = f"_{page}_url_restored"
    if st.session_state.get(flag):
        return
    st.session_state[flag] = True
    for name, parse in params.items():
        raw = st.query_params.get(name)
        if raw is None:
            continue
        try:
            st.session_state[f"{page}_{name}"] = parse(raw)
        except (ValueError, KeyError, TypeError):
            continue


def publish_to_url(values: Mapping[str, Any]) -> None:
    """Write the page's current settings into the URL (only what changed)."""
    wanted = {k: str(v) for k, v in values.items() if v is not None}
    current = st.query_params.to_dict()
    if current != wanted:
        st.query_params.from_dict(wanted)


def one_of(options) -> Parser:
    """A parser that accepts only the given values (their str forms)."""
    lookup = {str(o): o for o in options}
    return lambda raw: lookup[raw]


def int_in(lo: int, hi: int) -> Parser:
    def parse(raw: str) -> int:
        value = int(raw)
        if not lo <= value <= hi:
            raise ValueError(raw)
        return value

    return parse


def float_in(lo: float, hi: float) -> Parser:
    def parse(raw: str) -> float:
        value = float(raw)
        if not lo <= value <= hi:
            raise ValueError(raw)
        return value

    return parse


def flag(raw: str) -> bool:
    if raw not in ("0", "1", "true", "false", "True", "False"):
        raise ValueError(raw)
    return raw in ("1", "true", "True")
