"""Assemble per-paper extractions into one typed networkx ``MultiDiGraph`` — the one contract
that every exporter reads.

Graph contract (exporters may rely on exactly this):

Node ids are strings ``"<kind>/<slug>"``: ``paper/…``, ``method/…``, ``dataset/…``, ``modality/…``,
``claim/<paper-slug>/<n>``, ``person/…``. Slugs use only ``[a-z0-9._-]`` and are stable across runs.
A paper's slug comes from its strongest identifier (``doi-10.1073_pnas.2105646118``, ``arxiv-2310.01234``,
``pmid-…``, ``pmcid-…``, ``openalex-…``, ``s2-…``: the first "/" becomes "_"), else from its title;
records sharing an identifier, or a normalised title without conflicting identifiers, are one paper
(``kg.graph.identity``).

Node attributes (values are str, int, float, bool or lists of str — never other objects):
  every node   ``type`` (Paper | Method | Dataset | Modality | Claim | Person), ``label`` (display name)
  Paper        ``title``, ``abstract``, ``date`` ("" if unknown), ``year`` (int, 0 if unknown),
               ``url``, ``identifier``, ``authors`` (list), ``author_count`` (int, 0 if unknown),
               ``sources`` (list of "file:line"), ``identifiers`` (sorted list of "scheme:value",
               e.g. "doi:10.1073/pnas.2105646118", "arxiv:2310.01234", "pmid:…"; resolver URLs in
               ``kg.identifiers.RESOLVERS``), ``venue`` (""), ``keywords``, ``categories``, ``mesh`` (lists)
  Method, Dataset, Modality
               ``aliases`` (sorted list of every surface form seen), ``vocab`` (IRI of the curated
               concept or ""), ``broader`` (node ids of the curated families it belongs to, which may be absent from the graph), ``papers`` (int: papers using it)
  Claim        ``text``, ``paper`` (node id), ``hedged`` (bool), ``hedges`` (list), ``section``,
               ``start``, ``end`` (offsets in that section), ``confidence``
  Person       ``name`` (as first written), ``papers`` (int: papers listing them)

Edges are keyed by their type (``G.edges(keys=True)``); every edge has ``type`` (= key),
``confidence`` (float), ``extractor`` (str) and ``evidence`` (list of read-only mappings with
``sentence``, ``section``, ``start``, ``end``, ``text``, ``extractor``, ``confidence``: assembly
makes them :class:`~kg.graph.evidence.Evidence` records, which read and compare like dicts; exporters
accept any mapping). The edges' attribute dicts, and networkx's dict of them per pair of nodes, are
plain dicts that share their key tables (:mod:`kg.graph.shared_keys`: half the memory):
  Paper  -proposesMethod / usesMethod->      Method
  Paper  -proposesDataset / usesDataset->    Dataset
  Paper  -hasModality->                      Modality
  Paper  -hasClaim->                         Claim
  Paper  -hasAuthor->                        Person   (+ ``order``: 1-based position; evidence [])
  Claim  -about->                            Method | Dataset | Modality
  Method|Dataset -outperforms->              Method|Dataset   (+ ``papers``: paper node ids stating it,
                                                               ``on``: dataset node ids it was evaluated on)
"""

from kg.graph.assemble import EDGE_ROLE, ROLE_EDGE, assemble
from kg.graph.evidence import Evidence

__all__ = ["EDGE_ROLE", "ROLE_EDGE", "Evidence", "assemble"]
