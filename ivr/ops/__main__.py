"""Entry point for `python -m ivr.ops`."""

import sys

from ivr.ops.cli import main

sys.exit(main())
