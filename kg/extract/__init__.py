"""Extraction: the spaCy pipeline that reads papers into entities, claims and relations
(``kg.extract.pipeline``), its components, vocabularies and the cache of its results."""

#: The version of the extraction rules: part of the cache's fingerprint (bump it when a rule changes
#: what is extracted). Here, not in ``kg.extract.pipeline``: reading the cache needs no spaCy.
PIPELINE_VERSION = "kg-rules-1"
