"""Checks of built archives against what their consumers accept."""
