"""Entry point for `python -m ivr.voice`."""

import sys

from ivr.voice.cli import main

sys.exit(main())
