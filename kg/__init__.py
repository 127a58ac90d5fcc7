"""neuroai-kg: typed knowledge graphs of methods, datasets, modalities and claims from paper
abstracts (ingest → extract → assemble → export)."""

__version__ = "0.1.0"
