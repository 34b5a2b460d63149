"""Sending built archives to a running platform: one module per platform."""
