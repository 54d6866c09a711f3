"""The toolchain work the studio server is given: importing models, narrating tour steps."""

from museion.tools.studio.importing import (
    ImportedModel,
    ImportOptions,
    import_for_server,
    import_model,
)
from museion.tools.studio.narrating import narrate_for_server

__all__ = [
    "ImportOptions",
    "ImportedModel",
    "import_for_server",
    "import_model",
    "narrate_for_server",
]
