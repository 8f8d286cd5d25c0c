"""The shipped networks: one module per architecture, and a registry by id."""

from viz.models.registry import MODELS, PHOTO_KINDS, ModelSpec, files_stamp, get_spec, load_card, load_model

__all__ = ["MODELS", "PHOTO_KINDS", "ModelSpec", "files_stamp", "get_spec", "load_card", "load_model"]
