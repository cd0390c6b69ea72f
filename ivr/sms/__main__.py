"""Entry point for `python -m ivr.sms`."""

import sys

from ivr.sms.cli import main

sys.exit(main())
