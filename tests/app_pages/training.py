"""The training page for AppTest, opening first, with Inside the CNN beside it (its "Open in Inside the CNN"
switches there). A test may put pixel data in session state under "test_drawing" for the drawing canvas."""

import streamlit as st

from viz.ui import drawing, inspector, training

if "test_drawing" in st.session_state:
    drawing.canvas_pixels = lambda *args, **kwargs: st.session_state.get("test_drawing")  # patched for the process
st.set_page_config(layout="wide")
st.navigation(
    [
        st.Page(training.render, title="Train it yourself", url_path="train", default=True),
        st.Page(inspector.render, title="Inside the CNN", url_path="inside"),
    ]
).run()
