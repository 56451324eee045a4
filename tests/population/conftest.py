"""Small, self-made data for the population tests (no access to the shared reference folder needed)."""

import numpy as np
import pandas as pd
import pytest

from selection.population.synthesis import synthesize_population


@pytest.fixture(scope="session")
def antwerp_small() -> pd.DataFrame:
    """5,000 synthetic Antwerp adults from the shipped margins (fixed seed)."""
    return synthesize_population(5_000, np.random.default_rng(12345))


@pytest.fixture
def write(tmp_path):
    """Write text to a file in tmp_path and return its path."""

    def _write(name: str, text: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
