"""Probes of a trained network on one input: where it looked, how it is fooled, what a channel wants.

Every probe takes the network (an ``nn.Sequential`` of named layers, as the shipped ones are) and the
network's own input (C, H, W); none imports Streamlit.
"""
