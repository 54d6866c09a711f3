"""The inputs the benches measure on, made or fetched once: corpus, scans, scenes, clips."""

__all__ = ["gltf_corpus", "grid_scene", "live_clip", "orbit_receivers", "scanned_models"]
