"""Widget defaults, and the page's view kept in the URL so a teacher can share a link."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st


def ensure_defaults(defaults: Mapping[str, Any]) -> None:
    """Give every widget key its default once, so widgets are created from session state only."""
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def publish_to_url(values: Mapping[str, str | list[str]]) -> None:
    """Write link parameters into the URL (a list repeats its parameter), only when they changed."""
    wanted = {k: list(v) if isinstance(v, list) else [str(v)] for k, v in values.items()}
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict({k: v if len(v) > 1 else v[0] for k, v in wanted.items()})
