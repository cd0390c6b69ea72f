"""Entry point for `python -m ivr.outcomes`."""

import sys

from ivr.outcomes.cli import main

sys.exit(main())
