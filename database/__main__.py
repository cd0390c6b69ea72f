"""Entry point for `python -m database`."""

import sys

from database.cli import main

sys.exit(main())
