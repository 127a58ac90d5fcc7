"""Assembly: one node per paper and per real-world entity, typed nodes and edges with evidence."""

from __future__ import annotations

from kg.extract.pipeline import extract_batch
from kg.extract.vocabulary import Vocabulary
from kg.graph import assemble
from kg.model import Paper


def graph_of(nlp, papers):
    return assemble(extract_batch(papers, nlp), Vocabulary.load())


def test_spiking_network_surface_forms_merge_across_papers(nlp):
    graph = graph_of(
        nlp,
        [
            Paper("A", "We study spiking neural networks on event data."),
            Paper("B", "SNNs are efficient on neuromorphic chips."),
            Paper("C", "A Spiking Neural Network (SNN) is trained with surrogate gradients."),
        ],
    )
    snn = [n for n, d in graph.nodes(data=True) if d["type"] == "Modality" and d["label"] == "SNN"]
    assert len(snn) == 1
    papers_with_snn = {u for u, v, k in graph.in_edges(snn[0], keys=True) if k == "hasModality"}
    assert len(papers_with_snn) == 3


def test_variants_merge_into_one_entity(nlp):
    graph = graph_of(
        nlp,
        [
            Paper("A", "We train on CIFAR10 with k-means features."),
            Paper("B", "Results on CIFAR-10 use K-Means clustering."),
        ],
    )
    datasets = [d for _, d in graph.nodes(data=True) if d["type"] == "Dataset"]
    assert [d["label"] for d in datasets] == ["CIFAR-10"]
    assert datasets[0]["papers"] == 2 and "CIFAR10" in datasets[0]["aliases"]
    kmeans = [d for _, d in graph.nodes(data=True) if d["type"] == "Method" and "means" in d["label"].lower()]
    assert len(kmeans) == 1


def test_minted_acronym_merges_with_its_definition_in_another_paper(nlp):
    graph = graph_of(
        nlp,
        [
            Paper("A", "We propose the Glorp Transformer Network (GTN) for decoding."),
            Paper("B", "We compare against GTN baselines."),
        ],
    )
    gtn = [n for n, d in graph.nodes(data=True) if d["type"] == "Method" and "GTN" in [d["label"], *d["aliases"]]]
    assert len(gtn) == 1
    assert graph.nodes[gtn[0]]["label"] == "Glorp Transformer Network"
    assert graph.nodes[gtn[0]]["papers"] == 2


def test_same_paper_twice_is_one_node_with_both_sources(nlp):
    paper = Paper("Attention as an RNN", "We show attention is an RNN.", source="a.txt", line=3)
    again = Paper("Attention as an RNN", "We show attention is an RNN.", source="b.txt", line=9, date="2024-05-22")
    graph = graph_of(nlp, [paper, again])
    papers = [d for _, d in graph.nodes(data=True) if d["type"] == "Paper"]
    assert len(papers) == 1
    assert papers[0]["sources"] == ["a.txt:3", "b.txt:9"] and papers[0]["year"] == 2024
    claims = [d for _, d in graph.nodes(data=True) if d["type"] == "Claim"]
    assert len(claims) == 1


def test_edges_are_typed_and_carry_evidence(nlp):
    graph = graph_of(nlp, [Paper("EEG decoding", "We find that a transformer decodes EEG better than an LSTM.")])
    kinds = {k for _, _, k in graph.edges(keys=True)}
    assert {"usesMethod", "hasModality", "hasClaim", "about"} <= kinds
    for _, _, key, data in graph.edges(keys=True, data=True):
        assert data["type"] == key and data["evidence"]
        assert all(e["sentence"] and e["extractor"] for e in data["evidence"])


def test_assembly_is_independent_of_input_order(nlp):
    papers = [Paper("A", "We use BERT on text."), Paper("B", "We use ResNet-50 on ImageNet."), Paper("C", "EEG with CNNs.")]
    one = graph_of(nlp, papers)
    two = graph_of(nlp, list(reversed(papers)))
    assert sorted(one.nodes(data=True)) == sorted(two.nodes(data=True))
    assert sorted(one.edges(keys=True)) == sorted(two.edges(keys=True))
