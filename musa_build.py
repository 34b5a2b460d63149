#!/usr/bin/env python3
"""Command-line entry: `python musa_build.py …` works without installing."""

import sys

from musa.cli import run

if __name__ == "__main__":
    sys.exit(run())
