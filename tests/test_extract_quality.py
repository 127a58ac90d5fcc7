"""What issue 3's patterns and evidence rules promise a reader of the graph: versioned model
names, coined names in proposals, lists and acronyms, no umbrella words, modalities backed by
the paper's own data, result sentences as claims and announcements not."""

from __future__ import annotations

from bisect import bisect_right

import pytest

from kg.extract.pipeline import extract_batch
from kg.model import Paper


def run(nlp, title: str, abstract: str):
    return extract_batch([Paper(title=title, abstract=abstract)], nlp)[0]


def methods(extraction) -> dict[str, str]:
    """Every surface form of a method (label and aliases) -> its role."""
    out = {}
    for entity in extraction.entities:
        if entity.type == "Method":
            for name in (entity.label, *entity.aliases):
                out[name] = entity.role
    return out


def modalities(extraction) -> set[str]:
    return {e.label for e in extraction.entities if e.type == "Modality"}


def test_versioned_model_names_are_methods(nlp):
    found = methods(run(nlp, "A study", "We fine-tune Llama 3.1 8B and compare it with GPT-4 and ResNet-50 on ImageNet."))
    assert {"ResNet-50", "GPT-4", "Llama 3.1 8B"} <= set(found)


@pytest.mark.parametrize("umbrella", ["deep learning", "neural networks", "LLMs", "machine learning", "large language models"])
def test_umbrella_words_are_never_methods(nlp, umbrella):
    found = methods(run(nlp, "A study", f"We show that {umbrella} improve retrieval. Our {umbrella} model is trained on text."))
    assert all(umbrella.lower() not in name.lower() for name in found), found


def test_appositive_proposal_is_a_proposed_method(nlp):
    found = methods(run(nlp, "Attention as an RNN", "We introduce Aaren, an attention-based module that trains in parallel."))
    assert found.get("Aaren") == "proposed"


def test_our_named_model_is_proposed_but_adjectives_are_not_names(nlp):
    found = methods(run(nlp, "Pathology", "As part of this work, we train our developed Cerberus model. A Bayesian model is the baseline."))
    assert found.get("Cerberus") == "proposed"
    assert not any("Bayesian" in name for name in found)


def test_acronym_defined_for_a_backbone_or_a_known_method_variant(nlp):
    found = methods(
        run(
            nlp,
            "Point clouds",
            "We design an efficient 3D SNN backbone (E-3DSNN) for point clouds. "
            "To fix this, we propose an activation space Selectable KAN (S-KAN).",
        )
    )
    assert found.get("E-3DSNN") == "proposed"
    assert found.get("S-KAN") == "proposed"


def test_coined_name_listed_with_known_methods(nlp):
    found = methods(run(nlp, "LLM reasoning", "Studies such as Self-Consistency, Self-Improve, and Self-Refine share a loop."))
    assert "Self-Improve" in found


def test_eponym_model_with_head(nlp):
    found = methods(run(nlp, "Timing", "We implement a heterogeneous Izhikevich spiking reservoir with trained readouts."))
    assert "Izhikevich spiking reservoir" in found


def test_background_modality_mentions_do_not_count(nlp):
    extraction = run(
        nlp,
        "Decoding EEG",
        "Pretrained generative models have opened new frontiers in synthesising images. "
        "We decode EEG recordings into sentences.",
    )
    assert "image" not in modalities(extraction)
    assert "EEG" in modalities(extraction)


def test_vision_cues_in_a_video_paper_mean_video(nlp):
    extraction = run(nlp, "Brains and movies", "We compare a vision-language model with recordings made while subjects watched movies.")
    assert modalities(extraction) >= {"video"}
    assert "image" not in modalities(extraction)


def test_spike_trains_of_a_spiking_network_are_not_recordings(nlp):
    snn = run(nlp, "SNN coding", "We encode point clouds into spike trains for a spiking neural network.")
    recordings = run(nlp, "Retina", "We analyse spike trains of retinal ganglion cells.")
    assert "SNN" in modalities(snn) and "spikes" not in modalities(snn)
    assert "spikes" in modalities(recordings)


def test_a_dataset_of_several_modalities_only_seconds_named_ones(nlp):
    kitti = run(nlp, "3D detection", "We detect objects in point clouds. Experiments on KITTI show gains.")
    imagenet = run(nlp, "Spiking transformers", "Our spiking transformer reaches 80% top-1 accuracy on ImageNet-1K (55M parameters).")
    assert "3D" in modalities(kitti) and "image" not in modalities(kitti)
    assert "image" in modalities(imagenet)


def test_a_review_keeps_the_modality_of_its_background(nlp):
    review = run(
        nlp,
        "A decade of clinical NLP",
        "In recent years, natural language processing has opened new ways to read clinical textual records. "
        "We summarise 40 studies.",
    )
    assert modalities(review) == {"text"}


def test_background_sentences_are_scanned_only_where_they_can_change_the_modalities():
    """Modality selection skips the background scan of a mention whose key is already a name (or a
    cue, for a cue): on random papers it must select exactly what scanning every mention selects."""
    import random

    from kg.extract.entities import RawMention
    from kg.extract.modalities import BACKGROUND_PATTERNS, select_modalities
    from kg.extract.regexset import RegexSet
    from kg.extract.vocabulary import Vocabulary

    vocabulary, background = Vocabulary.load(), RegexSet(BACKGROUND_PATTERNS)
    keys = ["modality/eeg", "modality/image", "modality/video", "modality/snn", "modality/spikes", "modality/text"]
    assert all(key in vocabulary.concepts for key in keys)
    kinds = ["vocabulary", "vocabulary:cue", "vocabulary:dataset-modality", "acronym"]
    pieces = ["We record EEG from twelve subjects.", "However, prior work has used images.",
              "Recently, video models have become popular.", "Our spiking network reads spike trains."]

    def scanning_every_mention(raw, text, offset, sentences):  # the rule as stated, without skipping
        starts = [start for start, _ in sentences]
        names, cues, background_only, hints = set(), set(), set(), {}
        for mention in raw:
            if mention.extractor == "vocabulary:dataset-modality":
                hints.setdefault((mention.start, mention.end), set()).add(mention.key)
                continue
            index = max(bisect_right(starts, mention.start) - 1, 0)
            if mention.start >= offset and background.matching(text[slice(*sentences[index])]):
                background_only.add(mention.key)
                continue
            (cues if mention.extractor == "vocabulary:cue" else names).add(mention.key)
        for held in hints.values():
            if len(held) == 1:
                names.update(held)
        kept = names | {k for k in cues - names if names.isdisjoint(vocabulary.concepts[k].cue_yields_to)}
        return kept or background_only

    rng = random.Random(5)
    for _ in range(2000):
        body = [rng.choice(pieces) for _ in range(rng.randint(1, 4))]
        text = "Title\n\n" + " ".join(body)
        offset, sentences, at = 7, [(0, 5)], 7
        for sentence in body:
            sentences.append((at, at + len(sentence)))
            at += len(sentence) + 1
        raw = []
        for _ in range(rng.randint(0, 6)):
            start, end = rng.choice(sentences)
            raw.append(RawMention("Modality", rng.choice(keys), "label", "text", start, end, rng.choice(kinds), 0.9))
        raw.sort(key=lambda m: (m.start, m.end, m.key))
        assert select_modalities(raw, text, offset, sentences, vocabulary, background) == \
            scanning_every_mention(raw, text, offset, sentences)


@pytest.mark.parametrize(
    ("sentence", "is_claim"),
    [
        ("The resulting embeddings were stable, predictive, and showed semantic clustering.", True),
        ("These human-aligned models more accurately approximate human behavior across tasks.", True),
        ("In addition, we present extensive analyses and ablation studies of SBCL to verify its advantages.", False),
        ("Recent results indicate that generic descriptors from convolutional networks are very powerful.", False),
    ],
)
def test_claim_sentences(nlp, sentence, is_claim):
    abstract = f"Vision models are widely used. We study their features. We train them on photos. {sentence} Code is released."
    claims = [c.text for c in run(nlp, "Features", abstract).claims]
    assert (sentence in claims) is is_claim, claims


def test_what_follows_a_proposed_name_decides_its_type(nlp):
    extraction = run(
        nlp,
        "Spiking transformers",
        "In this paper, we introduce STEP, a unified benchmark framework for spiking transformers. "
        "This study presents a novel Multi-Label Classification model trained on EEG.",
    )
    datasets = {e.label for e in extraction.entities if e.type == "Dataset"}
    assert "STEP" in datasets and "STEP" not in methods(extraction)
    assert not any("Multi-Label" in name for name in methods(extraction))


def test_venue_with_year_is_not_a_name(nlp):
    extraction = run(nlp, "Challenges", "We propose CVPR 2023 winning entries as baselines.")
    assert not any("CVPR" in name for name in methods(extraction))
