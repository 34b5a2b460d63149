"""`python -m musa …`."""

import sys

from .cli import run

sys.exit(run())
