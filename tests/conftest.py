"""Shared fixtures: the sample corpus, test data and one spaCy pipeline per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract.pipeline import build_nlp

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CORPUS = ROOT / "examples" / "corpus"


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
