"""Entry point for `python -m billing_core`."""

import sys

from billing_core.cli import main

sys.exit(main())
