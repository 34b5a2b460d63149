"""musa-build: compile YAML course programmes into LMS packages."""

__version__ = "0.1.0"
