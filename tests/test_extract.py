"""Extraction on small hand-written abstracts: acronyms resolved per paper, vocabulary matches,
proposed names, claims with hedges, and evidence offsets that point at the text."""

from __future__ import annotations

from kg.extract.pipeline import extract_batch
from kg.model import Paper


def run(nlp, title: str, abstract: str):
    return extract_batch([Paper(title=title, abstract=abstract)], nlp)[0]


def keys(extraction, type_: str) -> set[str]:
    return {e.key for e in extraction.entities if e.type == type_}


def test_sparse_snn_is_not_a_spiking_network(nlp):
    sparse = run(nlp, "Pruning at scale", "A Sparse Neural Network (SNN) is a pruned dense network. SNNs keep accuracy.")
    spiking = run(nlp, "Event cameras", "We train spiking neural networks (SNNs) on event data. SNNs are efficient.")
    assert "modality/snn" not in keys(sparse, "Modality")
    assert "modality/snn" in keys(spiking, "Modality")
    sparse_snn = [m for m in sparse.mentions if m.text == "SNNs"]
    assert sparse_snn and all(m.key == "method/sparseneuralnetwork" for m in sparse_snn)


def test_case_sensitive_vocabulary_forms_match_only_as_written(nlp):
    """An acronym label ("SNN") is matched as written, never in lower case, while the concept's
    lower-case labels match in any case."""
    lower = run(nlp, "Notes", "The snn and the lstm ran on images.")
    upper = run(nlp, "Notes", "The SNN and the LSTM ran on images.")
    spelled = run(nlp, "Notes", "The Spiking Neural Network ran on images.")
    assert not {m.text for m in lower.mentions} & {"snn", "lstm"}
    assert {"SNN", "LSTM"} <= {m.text for m in upper.mentions}
    assert "Spiking Neural Network" in {m.text for m in spelled.mentions}


def test_undefined_acronym_uses_vocabulary_and_defined_one_is_aliased(nlp):
    extraction = run(nlp, "Memory", "We compare recurrent neural networks (RNNs) with LSTMs on EEG data.")
    methods = {e.key: e for e in extraction.entities if e.type == "Method"}
    rnn = next(e for e in methods.values() if "RNNs" in e.aliases or e.label == "RNNs")
    assert rnn.label.lower().startswith("recurrent neural network")
    assert any("lstm" in k for k in methods)
    assert keys(extraction, "Modality") == {"modality/eeg"}


def test_proposed_name_from_title_and_abstract(nlp):
    extraction = run(
        nlp,
        "NeuroWidget: A Spiking Model of Visual Cortex",
        "Here we introduce NeuroWidget, a model of visual cortex. We evaluate it on ImageNet and CIFAR-10.",
    )
    roles = {e.label: e.role for e in extraction.entities if e.type in {"Method", "Dataset"}}
    assert roles.get("NeuroWidget") == "proposed"
    assert roles.get("ImageNet") == "used" and roles.get("CIFAR-10") == "used"
    assert "modality/image" in keys(extraction, "Modality")  # implied by the image datasets


def test_named_dataset_pattern(nlp):
    extraction = run(nlp, "Benchmarks", "We evaluate on the FooBar-7 benchmark and report results.")
    datasets = [e for e in extraction.entities if e.type == "Dataset"]
    assert [d.label for d in datasets] == ["FooBar-7"]


def test_claims_have_hedges_and_skip_background(nlp):
    extraction = run(
        nlp,
        "A study",
        "Deep learning has shown great promise in neuroscience. We propose a new decoder. "
        "We find that the decoder outperforms linear models by 12\\%. "
        "Our results suggest that cortex may use sparse codes. Code is available at our website.",
    )
    texts = {c.text: c for c in extraction.claims}
    assert set(texts) == {
        "We find that the decoder outperforms linear models by 12\\%.",
        "Our results suggest that cortex may use sparse codes.",
    }
    assert texts["Our results suggest that cortex may use sparse codes."].hedged
    assert set(texts["Our results suggest that cortex may use sparse codes."].hedges) == {"may", "suggest"}
    assert not texts["We find that the decoder outperforms linear models by 12\\%."].hedged


def test_mention_offsets_point_into_their_section(nlp):
    paper = Paper(title="Transformers for MEG", abstract="We apply a transformer to MEG recordings of speech.")
    extraction = extract_batch([paper], nlp)[0]
    assert extraction.mentions
    for mention in extraction.mentions:
        text = paper.title if mention.section == "title" else paper.abstract
        assert text[mention.start : mention.end] == mention.text
        assert mention.text in mention.sentence
        assert 0 < mention.confidence <= 1 and mention.extractor


def test_comparative_claim_becomes_relation(nlp):
    extraction = run(nlp, "Vision", "We show that ResNet-50 outperforms VGG-16 on ImageNet.")
    relations = [(r.subject, r.predicate, r.object, r.on) for r in extraction.relations]
    assert len(relations) == 1
    subject, predicate, obj, on = relations[0]
    assert "resnet" in subject and predicate == "outperforms" and "vgg" in obj and on and "imagenet" in on


def test_an_empty_hedge_list_marks_no_claim_hedged():
    import spacy

    import kg.extract.claims  # noqa: F401
    import kg.extract.sentences  # noqa: F401

    nlp = spacy.blank("en")
    nlp.add_pipe("kg_sentences")
    nlp.add_pipe("kg_claims", config={"hedges": []})
    doc = nlp("Title\n\nWe study memory. Our results show that the model outperforms all baselines by 12%.")
    assert doc._.kg_claims and all(claim.hedges == () for claim in doc._.kg_claims)


def test_the_pipeline_tokenizer_survives_pickling(nlp):
    import pickle

    tokenizer = pickle.loads(pickle.dumps(nlp.tokenizer))
    assert [t.text for t in tokenizer("ResNet-50 works.")] == [t.text for t in nlp.tokenizer("ResNet-50 works.")]


def test_token_table_matches_spacy_tokens(nlp):
    """The plain-list token view the rules read agrees with spaCy's own tokens, its lexical flags
    with those of a full English vocabulary (the pipeline's own sets only LOWER and LANG)."""
    import spacy

    from kg.extract.tokens import tokens_of

    text = "Llama 3.1 (8B) beats GPT-4, ResNet-50 and 12.5% of i.e. baselines… ok? Twenty-one zebrafish"
    doc, full = nlp.make_doc(text), spacy.blank("en").make_doc(text)
    table = tokens_of(doc)
    assert table.words == [t.text for t in full] and table.lowers == [t.lower_ for t in doc]
    assert table.starts == [t.idx for t in doc] and table.ends == [t.idx + len(t) for t in doc]
    assert table.space == [int(bool(t.whitespace_)) for t in doc]
    assert list(table.alpha) == [int(t.is_alpha) for t in full] and 0 < sum(table.alpha) < len(doc)
    assert list(table.punct) == [int(t.is_punct) for t in full] and 0 < sum(table.punct) < len(doc)
    assert list(table.num) == [int(t.like_num) for t in full] and 0 < sum(table.num) < len(doc)
    assert table.capitalised == [t.i for t in doc if t.text != t.lower_]
    assert doc.lang_ == "en" and not doc[-1].is_alpha  # a lexeme of the pipeline's own: LOWER and LANG only


def test_longest_first_keeps_what_filter_spans_keeps():
    """The vocabulary's longest-match filter (with its shortcut for non-overlapping matches) keeps
    the spans spaCy's filter_spans keeps, in text order; of equal spans, the one of the first label
    (whatever order the matcher gave them in)."""
    import random

    from kg.extract.entities import _longest_first

    def filter_spans(spans):
        kept, seen = [], set()
        for span in sorted(spans, key=lambda s: (s[1] - s[0], -s[0]), reverse=True):
            if seen.isdisjoint(range(span[0], span[1])):
                kept.append(span)
                seen.update(range(span[0], span[1]))
        return sorted(kept, key=lambda s: s[0])

    rng = random.Random(3)
    for _ in range(5000):
        spans = [(a, a + rng.randint(1, 4), rng.choice("abc")) for a in (rng.randint(0, 12) for _ in range(rng.randint(0, 6)))]
        assert _longest_first(spans) == filter_spans(sorted(spans))
        assert _longest_first(spans) == _longest_first(spans[::-1])


def test_a_worker_pipeline_that_outgrew_its_vocabulary_is_built_anew_with_the_same_rows(monkeypatch):
    """Long-lived workers (a Dask worker reading millions of abstracts) replace a pipeline whose
    vocabulary passed the limit, so that their memory stays bounded; the rows do not change."""
    import gc
    from pathlib import Path

    from kg.extract import distributed, pipeline, workers
    from kg.ingest import ReadLog, read_papers

    corpus = Path(__file__).resolve().parents[1] / "examples" / "corpus"
    papers = list(read_papers([corpus], ReadLog()))[:40]
    expected = [pipeline.row_json(e) for e in extract_batch(papers, pipeline.build_nlp())]
    texts = [(p.title, p.abstract) for p in papers]
    monkeypatch.setattr(workers, "_leave_with_parent", lambda: None)  # no watcher thread in the test process
    try:
        workers._worker_init("")
        first = workers._WORKER_NLP["nlp"]
        monkeypatch.setattr(pipeline, "VOCABULARY_LIMIT", len(first.vocab) + 10)
        rows = workers._worker_batch(texts[:20])
        assert workers._WORKER_NLP["nlp"] is first  # under the limit when the batch began
        rows += workers._worker_batch(texts[20:])
        assert workers._WORKER_NLP["nlp"] is not first
        assert rows == expected
    finally:
        workers._WORKER_NLP.clear()
        workers._WORKER_ONTOLOGY.clear()
        gc.unfreeze()
    try:  # the same in a Dask worker's thread
        distributed._LOCAL.__dict__.pop("pipelines", None)
        fresh = distributed._pipeline("")
        parts = distributed.extract_partition(texts[:20]) + distributed.extract_partition(texts[20:])
        assert distributed._pipeline("") is not fresh
        assert parts == expected
    finally:
        distributed._LOCAL.__dict__.pop("pipelines", None)


def test_a_batch_gives_each_paper_the_rows_it_gets_alone(nlp, corpus_dir, monkeypatch):
    """``extract_batch`` runs the papers component by component (each component over a group of
    them): no component may carry anything from one paper to the next, so a paper's row is the
    same in any batch and any group, alone or among others, in any order."""
    from kg.extract import pipeline
    from kg.extract.pipeline import row_json
    from kg.ingest import ReadLog, read_papers

    papers = list(read_papers([corpus_dir], ReadLog()))[:60]
    one_by_one = [row_json(extract_batch([paper], nlp)[0]) for paper in papers]
    assert [row_json(e) for e in extract_batch(papers, nlp)] == one_by_one
    assert [row_json(e) for e in extract_batch(papers[::-1], nlp)] == one_by_one[::-1]
    monkeypatch.setattr(pipeline, "GROUP_CHARACTERS", 5000)  # groups of two or three papers
    assert [row_json(e) for e in extract_batch(papers, nlp)] == one_by_one
    # the rows say something: entities and claims found across the batch
    assert sum('"kg_claims"' in row for row in one_by_one) > 20


def test_a_batch_is_cut_into_groups_of_bounded_text_in_order():
    """The groups ``extract_batch`` runs together keep the papers' order, hold at most the limit of
    text (but a paper longer than it, alone), and are as few as that allows, of about equal size."""
    import random

    from kg.extract.pipeline import _groups

    rng = random.Random(3)
    for _ in range(200):
        papers = [Paper(title="t", abstract="a" * rng.choice([0, 5, 50, 400, 2000])) for _ in range(rng.randint(0, 40))]
        limit = rng.choice([100, 1000, 5000])
        groups = list(_groups(papers, limit))
        assert [p for group in groups for p in group] == papers
        sizes = [sum(len(p.title) + len(p.abstract) for p in group) for group in groups]
        assert all(group and (size <= limit or len(group) == 1) for group, size in zip(groups, sizes))
        if papers and max(len(p.title) + len(p.abstract) for p in papers) <= limit // 4:
            assert len(groups) <= -(-sum(sizes) // limit) + 1  # few: one more than the bare minimum at most
    same = [Paper(title="t", abstract="a" * 999)] * 2500  # 2.5 million characters, limit 1.5 million
    assert [len(group) for group in _groups(same, 1_500_000)] == [1250, 1250]


def test_nlp_pipe_annotates_as_the_build_does_a_batch_at_a_time(nlp, corpus_dir):
    """A spaCy user's ``nlp.pipe`` gives each doc the annotations the build reads (the same rows, in
    input order, whatever the batch size), and every kg_* component takes its docs a batch at a
    time (a ``pipe`` method), so that ``nlp.pipe`` too runs the pipeline component by component."""
    from kg.extract.pipeline import doc_to_extraction, row_json
    from kg.extract.text import compose
    from kg.ingest import ReadLog, read_papers

    papers = list(read_papers([corpus_dir], ReadLog()))[:30]
    expected = [row_json(e) for e in extract_batch(papers, nlp)]
    for batch_size in (1, 7, 1000):
        docs = nlp.pipe([compose(paper) for paper in papers], batch_size=batch_size)
        assert [row_json(doc_to_extraction(doc, paper)) for doc, paper in zip(docs, papers, strict=True)] == expected
    assert [name for name, component in nlp.pipeline if not hasattr(component, "pipe")] == []


def test_extraction_pauses_the_collector_and_leaves_it_as_it_was(nlp, corpus_dir):
    """``extract_batch`` and a worker's batch pause Python's cyclic garbage collector, which is only
    sound while extraction makes no reference cycles (they would wait for the next collection):
    none is left behind, and the collector is as the caller had it, on or off."""
    import gc

    from kg.extract.workers import rows_of
    from kg.ingest import ReadLog, read_papers

    papers = list(read_papers([corpus_dir], ReadLog()))[:40]
    gc.collect()
    assert gc.isenabled()
    extractions = extract_batch(papers, nlp)
    rows = rows_of([(paper.title, paper.abstract) for paper in papers], nlp)
    assert gc.isenabled()
    assert gc.collect() == 0  # nothing unreachable that only the collector could free
    assert len(extractions) == len(rows) == 40
    gc.disable()
    try:
        extract_batch(papers[:5], nlp)
        assert not gc.isenabled()
    finally:
        gc.enable()
