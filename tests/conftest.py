"""Shared fixtures: the sample corpus, test data and one spaCy pipeline per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from kg.extract.pipeline import build_nlp

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CORPUS = ROOT / "examples" / "corpus"

# Property-based tests: a fixed seed (same examples on every run, so CI is deterministic), no
# per-example deadline (the 2-core CI box is slow), no example database written into the repository.
# `deep` runs ten times the examples with a random seed, for hunting locally.
settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("deep", max_examples=1000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def nlp():
    return build_nlp()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """The sample corpus built once per test session (no HTML page): the folder with graph.nt/.ttl."""
    from kg.build import build

    out = tmp_path_factory.mktemp("sample-build")
    build([CORPUS], out, use_cache=False, html=False)
    return out
