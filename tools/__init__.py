"""Museion's toolchain: the ``museion`` command and the authoring tools."""

import logging

__all__: list[str] = []

logging.getLogger(__name__).addHandler(logging.NullHandler())
