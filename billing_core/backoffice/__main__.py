"""Entry point for `python -m billing_core.backoffice`."""

import sys

from billing_core.backoffice.cli import main

sys.exit(main())
