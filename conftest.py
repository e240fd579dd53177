"""Root pytest setup shared by the test suite and the doctests in the packages."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_leaked_random_seed():
    """Each test and doctest starts without a global seed (`set_seed` / `set_random_seed` leak)."""
    yield
    from dataflowio import random as df_random
    from dataflowio.graph import graph as df_graph

    df_random.set_seed(None)
    df_graph.get_default_graph().seed = None
