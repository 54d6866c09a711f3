"""Each bench's figures: its measurements reduced to numbers, its detail table and rows."""

__all__ = ["flood", "gate", "optimize", "relay"]
