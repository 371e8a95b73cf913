"""Tests that serve a search engine of their own for a while."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def search_backend(app, backend) -> Iterator:
    """Serves `backend` as `app`'s search engine for the block, then what was there before:
    none at all when none had been made yet, so the next search makes one from the
    configuration (`search.services.backend`). Putting back the None that `.get` found
    left every later search of the worker's app broken (the XSS test's search pages
    failed whenever it ran first in its process)."""
    previous = app.extensions.get("search_backend")
    app.extensions["search_backend"] = backend
    try:
        yield backend
    finally:
        if previous is None:
            app.extensions.pop("search_backend", None)
        else:
            app.extensions["search_backend"] = previous
