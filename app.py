"""ConvScope: what a convolutional neural network does to an image.

streamlit run app.py
"""

import logging
from pathlib import Path

import streamlit as st

import viz.ui.server  # noqa: F401  (first: the heavy imports and the in-memory uploads, once per server)
from viz.ui import display, pages

# A bundled icon: a Material-symbol or emoji icon would be fetched from an outside host.
st.set_page_config(page_title="ConvScope", page_icon=str(Path(__file__).parent / "assets" / "icon.png"), layout="wide")
# Less empty space above the title: on a projector the first screen should show the results.
st.html(
    "<style>.block-container{padding-top:2.2rem;padding-bottom:2rem}h1{padding-top:0;font-size:2.1rem!important}</style>"
)
navigation = st.navigation(pages.all_pages())
display.from_link()
display.switch()
display.apply()
try:
    navigation.run()
except Exception:
    # Expected problems are shown where they happen; this is the last line of defence, so the
    # student sees a sentence instead of a traceback. The server log keeps the traceback (never image data).
    logging.getLogger("convscope").exception("unexpected error while drawing the page")
    st.error(
        "Something unexpected went wrong while drawing this page. Change a setting or reload the page; "
        "if it happens again, please tell us what you did."
    )
