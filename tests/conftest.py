"""Suite-wide settings: no display, a private road-graph cache, deterministic hashing."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep road-graph caches out of the user's home during tests."""
    if "SYMNET_CACHE_DIR" not in os.environ:
        os.environ["SYMNET_CACHE_DIR"] = str(tmp_path_factory.mktemp("symnet-cache"))
