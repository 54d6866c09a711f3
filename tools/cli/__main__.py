"""``python -m museion.tools.cli``: the ``museion`` command without its launcher script."""

import sys

from museion.tools.cli import main

sys.exit(main())
