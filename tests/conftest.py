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
