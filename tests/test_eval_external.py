"""The external check (``kg eval --external``): SciERC spans become gold methods/datasets by the
documented mapping, CSAbstruct result sentences become gold claims, and scores come out right."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.eval.external import detokenize, evaluate_external, names_a_dataset, overlap_names, span_names


def test_detokenize_ptb_brackets_and_quotes():
    assert detokenize(["a", "-LRB-", "MET", "-RRB-", "``", "Amorph", "''", ",", "ok"]) == 'a (MET) "Amorph", ok'


@pytest.mark.parametrize(
    ("surface", "named"),
    [("NEGRA corpus", True), ("Penn WSJ", True), ("Senseval-3 data sets", True), ("KITTI2012 dataset", True),
     ("English-Chinese bitexts", False), ("English", False), ("raw corpus", False), ("images", False)],
)
def test_material_names_a_dataset(surface, named):
    assert names_a_dataset(surface) is named


def test_span_names_split_acronyms_and_heads():
    assert span_names("hidden Markov models (HMMs)")[:3] == ["hidden Markov models (HMMs)", "hidden Markov models", "HMMs"]
    assert "G3D" in span_names("G3D dataset")
    assert "CRF" in span_names("CRF model")


@pytest.fixture()
def external_dir(tmp_path):
    scierc = tmp_path / "scierc"
    scierc.mkdir()
    tokens = [["We", "train", "a", "long", "short-term", "memory", "-LRB-", "LSTM", "-RRB-", "on", "the", "NEGRA", "corpus", "."],
              ["It", "beats", "hidden", "Markov", "models", "on", "English", "text", "."]]
    ner = [[[3, 8, "Method"], [11, 12, "Material"]], [[16, 18, "Method"], [20, 21, "Material"]]]
    (scierc / "test.json").write_text(json.dumps({"doc_key": "X1", "sentences": tokens, "ner": ner}) + "\n")
    csabstruct = tmp_path / "csabstruct"
    csabstruct.mkdir()
    record = {"abstract_id": 0, "labels": ["background", "method", "result"], "sentences": [
        "Parsing is hard for long sentences.", "We train a parser on treebanks.",
        "Our experiments show that the parser outperforms all baselines by 3 points."]}
    (csabstruct / "test.jsonl").write_text(json.dumps(record) + "\n")
    return tmp_path


def test_scierc_scores_methods_and_named_datasets(external_dir):
    result = evaluate_external("scierc", external_dir)
    methods, datasets = result.report.scores["methods"], result.report.scores["datasets"]
    assert (methods.n_gold, methods.tp_gold) == (2, 2)  # LSTM (via its acronym) and hidden Markov models
    assert methods.precision == 1.0
    assert (datasets.n_gold, datasets.tp_gold) == (1, 1)  # NEGRA; "English text" is no dataset
    assert "claims" not in result.report.scores


def test_csabstruct_result_sentences_are_the_gold_claims(external_dir):
    result = evaluate_external("csabstruct", external_dir)
    claims = result.report.scores["claims"]
    assert (claims.n_gold, claims.tp_gold, claims.n_pred, claims.tp_pred) == (1, 1, 1, 1)


def test_cli_external_prints_the_table_with_published_numbers(external_dir):
    result = CliRunner().invoke(main, ["eval", "--external", "csabstruct", "--external-data", str(external_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["csabstruct"]["scores"]["claims"]["f1"] == 1.0
    assert "0.78" in data["csabstruct"]["published"]


def test_cli_eval_needs_gold_or_external():
    result = CliRunner().invoke(main, ["eval"])
    assert result.exit_code == 2 and "--gold" in result.output


def test_a_broken_external_file_names_file_and_line(external_dir):
    (external_dir / "csabstruct" / "test.jsonl").write_text('{"sentences": ["A."], "labels": ["result"]}\n{"sentences": ["B."]}\n')
    result = CliRunner().invoke(main, ["eval", "--external", "csabstruct", "--external-data", str(external_dir)])
    assert result.exit_code == 1
    assert "test.jsonl:2: missing field(s) labels" in result.output


def test_overlap_credits_a_name_inside_a_longer_span(external_dir):
    assert "Long Short-Term Memory" in overlap_names("deep Long Short-Term Memory (LSTM) subnetwork")
    tokens = [["A", "deep", "long", "short-term", "memory", "subnetwork", "parses", "text", "."]]
    (external_dir / "scierc" / "test.json").write_text(
        json.dumps({"doc_key": "X2", "sentences": tokens, "ner": [[[1, 5, "Method"]]]}) + "\n"
    )
    strict = evaluate_external("scierc", external_dir).report.scores["methods"]
    overlap = evaluate_external("scierc", external_dir, overlap=True).report.scores["methods"]
    assert (strict.tp_gold, overlap.tp_gold) == (0, 1)
