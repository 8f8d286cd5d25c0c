"""ConvScope: what a convolutional neural network does to an image.

streamlit run app.py
"""

import streamlit as st

from viz.ui import inspector, playground

st.set_page_config(page_title="ConvScope", page_icon=":material/filter_center_focus:", layout="wide")
pages = [
    st.Page(playground.render, title="Filter playground", icon=":material/tune:", url_path="playground", default=True),
    st.Page(inspector.render, title="Inside the CNN", icon=":material/neurology:", url_path="inside"),
]
st.navigation(pages).run()
