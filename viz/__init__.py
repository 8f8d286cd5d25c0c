"""ConvScope's computation: convolution, filters, images, networks and pictures.

Nothing in this package imports Streamlit; the pages in ``viz.ui`` do.
"""
