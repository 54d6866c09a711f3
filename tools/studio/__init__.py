"""The toolchain work the studio server is given: importing models."""

from museion.tools.studio.importing import (
    ImportedModel,
    ImportOptions,
    import_for_server,
    import_model,
)

__all__ = ["ImportOptions", "ImportedModel", "import_for_server", "import_model"]
