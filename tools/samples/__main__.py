"""``python -m museion.tools.samples [OUT_DIR]`` (default: the repository's ``assets/``)."""

import sys

from museion.tools.samples.files import main

sys.exit(main())
