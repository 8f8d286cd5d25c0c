"""The classroom display (a projector read from the back row) and the phone layout, for both pages.

"Classroom display" is a switch in the sidebar and a link parameter, `display=projector`. It makes
the whole page's type half as large again (Streamlit sizes its type in rem: the root size goes from
16 to 24 px), puts the playground's panels two to a row, and enlarges chart labels. On a narrow screen
(a phone), CSS moves the results above the filter's number editors, so the first feature map is
within one screen of scrolling of the image and filter choices, and tabs wrap instead of running off the screen.
"""

from __future__ import annotations

import streamlit as st

KEY = "convscope_display"  # the switch's widget key: True for the classroom display
LINK_PARAM, PROJECTOR = "display", "projector"
FIGURE_FONT_PX = {False: 13, True: 22}

# A keyed container gets the class st-key-<key>, inside a wrapper that is a child of the main column's
# flex box: `order` on those wrappers moves the results above the editors (and what follows after).
RESULTS_KEY, EDITOR_KEY = "cs-results", "cs-editor"
_RESULTS, _EDITOR = f"div:has(> .st-key-{RESULTS_KEY})", f"div:has(> .st-key-{EDITOR_KEY})"
PHONE_CSS = f"""<style>
@media (max-width: 640px) {{
  {_RESULTS} {{ order: 1; }}
  {_EDITOR} {{ order: 2; }}
  {_EDITOR} ~ div:not(:has(> .st-key-{RESULTS_KEY})) {{ order: 3; }}
  [data-testid="stTabs"] [role="tablist"] {{ flex-wrap: wrap; row-gap: 0.2rem; }}
}}
</style>"""
PROJECTOR_CSS = """<style>
html { font-size: 24px !important; }
[data-testid="stMain"] [data-testid="stHtml"] table { zoom: 1.45; }
[data-testid="stSidebar"] { font-size: 0.9rem; }
</style>"""


def from_link() -> None:
    """Once per session: the link's display=projector turns the switch on."""
    if "_display_started" in st.session_state:
        return
    st.session_state["_display_started"] = True
    st.session_state[KEY] = st.query_params.get(LINK_PARAM) == PROJECTOR


def switch() -> None:
    """The sidebar's switch; call on every page, every run, so its state is kept across pages."""
    st.session_state.setdefault(KEY, False)
    st.sidebar.toggle(
        "Classroom display",
        key=KEY,
        help="For a projector: larger type, numbers and pictures, two panels to a row. In a link: display=projector.",
    )


def projector() -> bool:
    return bool(st.session_state.get(KEY, False))


def apply() -> None:
    """The styles for this run: the phone layout always, the classroom display when it is on."""
    st.html(PHONE_CSS + (PROJECTOR_CSS if projector() else ""))


def link_params() -> dict[str, str]:
    """What the link says about the display: nothing, or display=projector."""
    return {LINK_PARAM: PROJECTOR} if projector() else {}


def figure_font() -> int:
    """The font size (px) of chart labels: larger on the classroom display."""
    return FIGURE_FONT_PX[projector()]
