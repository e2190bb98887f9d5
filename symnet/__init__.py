"""symnet: find and optimise industrial symbiosis in a region.

The Python API (``docs/python-api.md``): :func:`load_scenario`, :func:`solve`,
:func:`compare` and the :class:`Solution` they return, loaded on first use so that
``import symnet`` (and the ``symnet`` command) stay fast.
"""

from typing import Any

__version__ = "0.1.0"

__all__ = ["Solution", "__version__", "compare", "load_scenario", "solve"]


def __getattr__(name: str) -> Any:
    if name in ("Solution", "compare", "load_scenario", "solve"):
        from symnet import api

        return getattr(api, name)
    raise AttributeError(f"module 'symnet' has no attribute {name!r}")
