"""The exporter registry: target name → exporter class. A new target is one module here plus templates/<target>/."""

from __future__ import annotations

import importlib
import pkgutil

from .base import Exporter

REGISTRY: dict[str, type[Exporter]] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: make an exporter available under its `name`."""
    if cls.name in REGISTRY:
        raise ValueError(f"two exporters are named {cls.name!r}")
    REGISTRY[cls.name] = cls
    return cls


def targets() -> dict[str, type[Exporter]]:
    """Every registered target, after importing each exporter module of this package."""
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    return dict(sorted(REGISTRY.items()))
