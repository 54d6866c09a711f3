"""The reference tools each bench measures ours against, driven from Python."""

__all__ = ["bare_gltf", "bare_view", "khronos_validator", "npm_tools", "optimizers", "relays"]
