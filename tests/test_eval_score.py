"""Tests for kg.eval.score: hand-computed P/R/F1, name and claim matching, roles, edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.eval.score import EvalReport, TypeScore, claims_match, normalise_name, score

DATA = Path(__file__).parent / "data" / "eval"


def ent(name: str, *aliases: str, role: str = "used") -> dict:
    return {"name": name, "aliases": list(aliases), "role": role}


def paper(pid: int, title: str, **fields: list) -> dict:
    rec: dict = {"id": pid, "title": title, "methods": [], "datasets": [], "modalities": [], "claims": []}
    rec.update(fields)
    return rec


# --------------------------------------------------------------------------- normalise_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CIFAR-10", "cifar10"),
        ("CIFAR10", "cifar10"),
        ("RNNs", "rnn"),  # FORMAT.md example: "RNNs" = "rnn"
        ("RNN", "rnn"),
        ("GPUs", "gpu"),
        ("bus", "bus"),  # too short: keeps its "s"
        ("MAS", "mas"),
        ("Transformers", "transformer"),
        ("class", "clas"),  # only ONE trailing "s" is dropped
        ("time series", "timeserie"),
        ("Llama 3.1 8B", "llama318b"),
        ("Café-Net", "cafénet"),  # unicode letters are kept
        ("--", ""),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_trailing_s_makes_plural_and_singular_equal_but_not_short_words() -> None:
    assert normalise_name("RNNs") == normalise_name("RNN")
    assert normalise_name("GPUs") == normalise_name("GPU")
    assert normalise_name("mas") != normalise_name("ma")


# --------------------------------------------------------------------------- claims_match

GOLD_CLAIM = "We show that model A outperforms model B on all five benchmarks."


def test_claims_containment_both_ways_and_whitespace() -> None:
    part = "model A outperforms model B"
    assert claims_match(part, GOLD_CLAIM)
    assert claims_match(GOLD_CLAIM, part)
    spaced = "We  show that model A\noutperforms model B on   all five benchmarks."
    assert claims_match(spaced, GOLD_CLAIM)


def test_claims_jaccard_threshold_both_ways() -> None:
    # gold words: we show that model a outperforms b on all five benchmarks -> 11 distinct words
    # drop "five" and change case/punctuation: 10 shared of 11 -> 0.909, not a substring
    near = "we show that Model A outperforms model B on all benchmarks"
    assert claims_match(near, GOLD_CLAIM)
    assert claims_match(GOLD_CLAIM, near)
    # 8 shared of 11 + "c" -> 8/12 = 0.667 < 0.8
    far = "We show that model C outperforms model B on benchmarks."
    assert not claims_match(far, GOLD_CLAIM)
    assert not claims_match(GOLD_CLAIM, far)


def test_claims_jaccard_exactly_at_threshold_matches() -> None:
    # {a b c d} vs {a b c d e}: 4/5 = 0.8 -> match; reordered so neither contains the other
    assert claims_match("d c b a", "a b c d e")
    # {a b c} vs {a b c d e}: 3/5 = 0.6 -> no match
    assert not claims_match("c b a", "a b c d e")


def test_empty_claims_never_match() -> None:
    assert not claims_match("", GOLD_CLAIM)
    assert not claims_match("   ", GOLD_CLAIM)
    assert not claims_match("", "")


# --------------------------------------------------------------------------- TypeScore


def test_typescore_zero_denominators() -> None:
    s = TypeScore("methods")
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)
    only_gold = TypeScore("methods", tp_pred=0, n_pred=0, tp_gold=0, n_gold=3)
    assert (only_gold.precision, only_gold.recall, only_gold.f1) == (0.0, 0.0, 0.0)
    perfect = TypeScore("methods", 2, 2, 2, 2)
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)


# --------------------------------------------------------------------------- score


def test_methods_hand_computed_prf() -> None:
    gold = [paper(1, "Paper One", methods=[ent("transformer"), ent("LSTM"), ent("k-means"), ent("PCA")])]
    pred = [paper(1, "Paper One", methods=[ent("Transformers"), ent("lstm"), ent("GAN")])]
    rep = score(gold, pred)
    m = rep.scores["methods"]
    assert (m.tp_pred, m.n_pred, m.tp_gold, m.n_gold) == (2, 3, 2, 4)
    assert round(m.precision, 4) == 0.6667
    assert m.recall == 0.5
    assert round(m.f1, 4) == 0.5714  # 2 * (2/3) * (1/2) / (2/3 + 1/2) = 4/7
    kinds = sorted((e.kind, e.text) for e in rep.errors if e.type == "methods")
    assert kinds == [("false_positive", "GAN"), ("miss", "PCA"), ("miss", "k-means")]


def test_micro_average_sums_counts_over_papers() -> None:
    gold = [
        paper(1, "A", datasets=[ent("MNIST")]),
        paper(2, "B", datasets=[ent("ImageNet"), ent("COCO"), ent("LAION"), ent("CUB")]),
    ]
    pred = [
        paper(1, "A", datasets=[ent("MNIST")]),  # paper P = R = 1
        paper(2, "B", datasets=[ent("ImageNet"), ent("SVHN")]),  # paper P = 0.5, R = 0.25
    ]
    d = score(gold, pred).scores["datasets"]
    # micro: P = 2/3, R = 2/5 (macro would give 0.75 and 0.625)
    assert round(d.precision, 4) == 0.6667
    assert d.recall == 0.4


def test_alias_matching() -> None:
    gold = [
        paper(
            1,
            "Aliases",
            methods=[ent("recurrent neural network", "RNN", "RNNs")],
            datasets=[ent("CIFAR-10")],
        )
    ]
    pred = [
        paper(
            1,
            "Aliases",
            methods=[ent("RNNs")],  # matches a gold alias
            datasets=[ent("cifar ten", "CIFAR10")],  # predicted alias matches gold name
        )
    ]
    rep = score(gold, pred)
    assert rep.scores["methods"].precision == rep.scores["methods"].recall == 1.0
    assert rep.scores["datasets"].precision == rep.scores["datasets"].recall == 1.0
    assert rep.errors == []


def test_one_prediction_matching_two_gold_entries() -> None:
    gold = [paper(1, "T", methods=[ent("BERT"), ent("BERT-base", "bert")])]
    pred = [paper(1, "T", methods=[ent("BERT")])]
    m = score(gold, pred).scores["methods"]
    assert (m.tp_pred, m.n_pred, m.tp_gold, m.n_gold) == (1, 1, 2, 2)
    assert (m.precision, m.recall) == (1.0, 1.0)


def test_modalities_normalised_sets() -> None:
    gold = [paper(1, "M", modalities=["EEG", "image", "time series"])]
    pred = [paper(1, "M", modalities=["eeg", "Images", "images", "text"])]
    rep = score(gold, pred)
    mo = rep.scores["modalities"]
    # predicted set {eeg, image, text}: 2 correct of 3; gold 2 of 3 recalled
    assert (mo.tp_pred, mo.n_pred, mo.tp_gold, mo.n_gold) == (2, 3, 2, 3)
    errs = [(e.kind, e.text) for e in rep.errors]
    assert errs == [("false_positive", "text"), ("miss", "time series")]


def test_claims_scored_with_matching() -> None:
    g1 = "Our model achieves state-of-the-art accuracy on ImageNet."
    g2 = "We find that depth matters more than width."
    gold = [paper(1, "C", claims=[g1, g2])]
    pred = [
        paper(
            1,
            "C",
            claims=[
                "Our model achieves state-of-the-art accuracy on ImageNet.  Code is public.",  # contains g1
                "We propose a new architecture.",
            ],
        )
    ]
    rep = score(gold, pred)
    c = rep.scores["claims"]
    assert (c.tp_pred, c.n_pred, c.tp_gold, c.n_gold) == (1, 2, 1, 2)
    assert [(e.kind, e.text) for e in rep.errors] == [
        ("false_positive", "We propose a new architecture."),
        ("miss", g2),
    ]


def test_missing_paper_counts_all_gold_as_misses_and_extra_paper_ignored() -> None:
    gold = [
        paper(1, "Present", methods=[ent("CLIP")]),
        paper(2, "Absent", methods=[ent("ViT"), ent("ResNet")], datasets=[ent("MNIST")],
              modalities=["image"], claims=["We show X."]),
    ]
    pred = [
        paper(1, "present!", methods=[ent("CLIP")]),  # title pairs after normalisation
        paper(9, "Not in gold", methods=[ent("Junk")], claims=["Junk claim."]),
    ]
    rep = score(gold, pred)
    assert rep.n_papers == 2
    m = rep.scores["methods"]
    assert (m.tp_pred, m.n_pred, m.tp_gold, m.n_gold) == (1, 1, 1, 3)
    assert m.precision == 1.0
    assert round(m.recall, 4) == 0.3333
    assert rep.scores["claims"].n_pred == 0  # the extra paper's claim is not counted
    assert rep.scores["claims"].recall == 0.0
    absent = [(e.type, e.kind, e.text) for e in rep.errors if e.paper_id == 2]
    assert absent == [
        ("claims", "miss", "We show X."),
        ("datasets", "miss", "MNIST"),
        ("methods", "miss", "ResNet"),
        ("methods", "miss", "ViT"),
        ("modalities", "miss", "image"),
    ]
    assert all(e.kind == "miss" for e in rep.errors)


def test_role_accuracy_and_role_errors() -> None:
    gold = [
        paper(
            1,
            "Roles",
            methods=[ent("VideoJAM", role="proposed"), ent("diffusion model", role="used")],
            datasets=[ent("WorM", role="proposed"), ent("ImageNet", role="used")],
        )
    ]
    pred = [
        paper(
            1,
            "Roles",
            methods=[ent("VideoJAM", role="used"), ent("diffusion models", role="used")],
            datasets=[ent("WorM", role="proposed"), ent("ImageNet", role="used"), ent("COCO")],
        )
    ]
    rep = score(gold, pred)
    assert (rep.role_correct, rep.role_total) == (3, 4)
    assert rep.role_accuracy == 0.75
    role_errs = [e for e in rep.errors if e.kind == "role"]
    assert len(role_errs) == 1
    assert (role_errs[0].type, role_errs[0].text, role_errs[0].detail) == (
        "methods",
        "VideoJAM",
        "predicted used, gold proposed",
    )


def test_role_uses_best_matching_prediction() -> None:
    # both predictions match the gold entry; the one with the same canonical name decides the role
    gold = [paper(1, "R", methods=[ent("spiking neural network", "SNN", role="proposed")])]
    pred = [
        paper(1, "R", methods=[ent("SNN", role="used"), ent("spiking neural networks", role="proposed")])
    ]
    rep = score(gold, pred)
    assert (rep.role_correct, rep.role_total) == (1, 1)
    # the order of predictions must not change the result
    pred_rev = [paper(1, "R", methods=list(reversed(pred[0]["methods"])))]
    assert score(gold, pred_rev).to_dict() == rep.to_dict()


def test_empty_inputs_zero_denominators() -> None:
    rep = score([], [])
    assert rep.n_papers == 0
    assert rep.role_accuracy == 0.0
    for t in ("methods", "datasets", "modalities", "claims"):
        s = rep.scores[t]
        assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)
    # gold with nothing predicted: recall 0, precision 0 (no predictions), no crash
    rep2 = score([paper(1, "X", methods=[ent("A")])], [paper(1, "X")])
    assert rep2.scores["methods"].precision == 0.0
    assert rep2.scores["methods"].recall == 0.0
    assert rep2.role_total == 0


def test_errors_sorted_and_deterministic() -> None:
    gold = [
        paper(10, "Ten", methods=[ent("Zeta"), ent("Alpha")]),
        paper(2, "Two", datasets=[ent("MNIST")], methods=[ent("Beta")]),
    ]
    pred = [paper(2, "Two", methods=[ent("Gamma")]), paper(10, "Ten", datasets=[ent("Omega")])]
    rep = score(gold, pred)
    keys = [(str(e.paper_id), e.type, e.kind, e.text) for e in rep.errors]
    assert keys == sorted(keys)
    # paper ids sort as strings: "10" before "2"
    assert keys[0][0] == "10"
    again = score(list(reversed(gold)), list(reversed(pred)))
    assert again.to_dict() == rep.to_dict()


def test_to_dict_is_json_and_rounded() -> None:
    gold = [paper(1, "P", methods=[ent("A"), ent("B"), ent("C"), ent("D")])]
    pred = [paper(1, "P", methods=[ent("A"), ent("B"), ent("E")])]
    rep = score(gold, pred)
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["scores"]["methods"]["precision"] == 0.6667
    assert d["scores"]["methods"]["recall"] == 0.5
    assert d["scores"]["methods"]["f1"] == 0.5714
    assert d["role_accuracy"] == 1.0
    assert d["n_papers"] == 1
    assert list(d["scores"]) == ["methods", "datasets", "modalities", "claims"]
    assert {"paper_id", "title", "type", "kind", "text", "detail"} <= set(d["errors"][0])


def test_format_table_aligned() -> None:
    gold = [paper(1, "P", methods=[ent("A"), ent("B"), ent("C"), ent("D")])]
    pred = [paper(1, "P", methods=[ent("A"), ent("B"), ent("E")])]
    table = score(gold, pred).format_table()
    lines = table.splitlines()
    assert lines[0].split() == ["type", "P", "R", "F1", "pred", "gold"]
    methods = next(line for line in lines if line.startswith("methods"))
    assert methods.split() == ["methods", "0.6667", "0.5000", "0.5714", "3", "4"]
    rows = [line for line in lines if line.split()[0] in {"type", "methods", "datasets", "modalities", "claims"}]
    assert len(rows) == 5
    assert len({len(r) for r in rows}) == 1  # columns line up
    assert "role accuracy: 1.0000 (2/2)" in table


def test_gold_sample_scored_against_itself_is_perfect() -> None:
    records = [json.loads(line) for line in (DATA / "gold-sample.jsonl").read_text().splitlines() if line]
    rep: EvalReport = score(records, records)
    assert rep.n_papers == len(records)
    for t, s in rep.scores.items():
        assert s.n_gold > 0, t
        assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0), t
    assert rep.role_accuracy == 1.0
    assert rep.errors == []
