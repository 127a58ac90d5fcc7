"""Readers: each format gives the right papers, and each broken record is reported with file
and line while the rest of the file is still read."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.ingest import ReadLog, read_papers


def read(path: Path, fmt: str | None = None):
    log = ReadLog()
    return list(read_papers([path], log, fmt)), log


def test_jsonl_reads_good_records_and_reports_each_bad_line(data_dir):
    papers, log = read(data_dir / "papers.jsonl")
    assert [p.id for p in papers] == ["p1", "p3"]
    first = papers[0]
    assert first.title == "Spiking Transformers for EEG"
    assert first.date == "2024-03-01"
    assert first.authors == ("Ada Lovelace", "Alan Turing")
    assert first.author_count == 2
    assert first.url == "https://example.org/p1"
    lines = sorted((w.line, w.message.split(" ")[0]) for w in log.warnings)
    assert [line for line, _ in lines] == [2, 3, 4]
    assert all(w.source.endswith("papers.jsonl") for w in log.warnings)
    assert "abstract" in next(w.message for w in log.warnings if w.line == 2)
    assert "invalid JSON" in next(w.message for w in log.warnings if w.line == 3)
    assert "list" in next(w.message for w in log.warnings if w.line == 4)
    assert (log.read, log.skipped) == (2, 3)


def test_json_array_reports_record_line(data_dir):
    papers, log = read(data_dir / "papers.json")
    assert [p.title for p in papers] == ["Decoding images from fMRI", "Convolutional networks on CIFAR-10"]
    assert papers[0].authors == ("A. One", "B. Two")
    assert len(log.warnings) == 1 and log.warnings[0].line == 3 and "title" in log.warnings[0].message


def test_csv_header_rows_and_ragged_row(data_dir):
    papers, log = read(data_dir / "papers.csv")
    assert [p.title for p in papers] == ["Rich and lazy learning, revisited", "Ragged row"]
    assert papers[0].authors == ("X. Y", "Z. W")
    assert "77.7\\% of runs" in papers[0].abstract
    messages = {w.line: w.message for w in log.warnings}
    assert "abstract" in messages[3]  # "Only a title" has no abstract: skipped
    assert "5 fields" in messages[4]  # ragged row: kept, but reported
    assert log.skipped == 1


def test_csv_without_required_columns_is_reported(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,text\na,b\n", encoding="utf-8")
    papers, log = read(path)
    assert papers == [] and "title, abstract" in log.warnings[0].message


def test_daily_papers_page_skips_chrome_and_reads_authors_and_dates(data_dir):
    papers, log = read(data_dir / "daily_page.txt")
    assert [p.title for p in papers] == ["NeuroWidget: A Spiking Model of Visual Cortex", "Another Paper on MEG"]
    assert papers[0].author_count == 3 and papers[0].date == "2024-09-03"
    assert papers[1].author_count == 12 and papers[1].date is None  # "May 21 2": no year
    assert papers[0].line == 13
    assert len(log.warnings) == 1
    assert log.warnings[0].line == 21 and "A Title Without Its Abstract" in log.warnings[0].message


def test_sample_corpus_reads_every_paper(corpus_dir):
    papers, log = read(corpus_dir)
    assert log.warnings == []
    assert len(papers) == 236
    assert len({p.key for p in papers}) == 182  # about 30% appear on more than one page
    assert all(p.title and len(p.abstract) > 200 for p in papers)
    assert not any(p.title in {"Subscribe", "Daily Papers", "new"} for p in papers)


def test_format_option_overrides_extension(tmp_path, data_dir):
    path = tmp_path / "export.data"
    path.write_text((data_dir / "papers.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    assert read(path)[0] == []
    assert [p.id for p in read(path, "jsonl")[0]] == ["p1", "p3"]


def test_unreadable_files_are_reported_not_fatal(tmp_path):
    (tmp_path / "latin1.jsonl").write_bytes('{"title": "Caf\xe9", "abstract": "x"}\n'.encode("latin-1"))
    (tmp_path / "good.jsonl").write_text('{"title": "T", "abstract": "An abstract."}\n', encoding="utf-8")
    (tmp_path / "binary.jsonl").write_bytes(bytes(range(256)))
    papers, log = read(tmp_path)
    assert [p.title for p in papers] == ["T", "Café"]  # Latin-1 is read as Windows-1252, with a warning
    assert any("latin1.jsonl" in w.source and w.line == 1 and "UTF-8" in w.message for w in log.warnings)
    assert any("binary.jsonl" in w.source and "binary" in w.message for w in log.warnings)


def test_unknown_format_name_is_an_error(data_dir):
    with pytest.raises(ValueError, match="unknown format"):
        read(data_dir / "papers.jsonl", "xml")


def test_clean_text_collapses_white_space_and_drops_what_is_not_text_for_every_character():
    """Titles, abstracts and names are stored cleaned: white space collapsed to single spaces and
    trimmed, controls, surrogates and noncharacters dropped, every other character kept. Checked for
    each Unicode code point alone, between letters and doubled with spaces (text that is already
    clean is returned at once, so this covers that shortcut's test too)."""
    import re

    from kg.ingest.base import clean_text

    not_text = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
    for code in range(0x110000):
        char = chr(code)
        for value in (char, f"a{char}b", f" {char}{char} x"):
            assert clean_text(value) == " ".join(not_text.sub("", value).split()), hex(code)
    assert clean_text("  Spiking\u00a0networks\n\tfor EEG\x00 ") == "Spiking networks for EEG"
    assert clean_text("Ünïcode — ✓ 脑") == "Ünïcode — ✓ 脑" and clean_text(None) == ""
