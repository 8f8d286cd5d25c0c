"""The inspector page alone, for AppTest.

A test may put pixel data in session state under "test_drawing": it then
stands in for what the drawing canvas (a browser-only component) returns.
"""

import streamlit as st

from viz.ui import drawing, inspector

if "test_drawing" in st.session_state:
    drawing.canvas_pixels = lambda *args, **kwargs: st.session_state.get("test_drawing")  # patched for the process
st.set_page_config(layout="wide")
inspector.render()
