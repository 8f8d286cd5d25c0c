"""The Streamlit pages: the only package besides app.py that imports streamlit."""
