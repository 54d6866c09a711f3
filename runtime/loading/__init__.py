"""Loading gated glTF into Panda3D: a resource-limited worker process, a supervisor that
judges it, and a cache of what it converts."""

from museion.runtime.loading.loader import convert_model, convert_models, load_model
from museion.runtime.loading.proxy import PROXY_TAG
from museion.runtime.loading.worker import STALL_ENV

__all__ = ["PROXY_TAG", "STALL_ENV", "convert_model", "convert_models", "load_model"]
