"""The same extraction on a Dask LocalCluster of two worker processes gives the same graph files."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kg.build import build

pytest.importorskip("dask.distributed")


def test_dask_local_cluster_build_is_identical_to_the_local_build(corpus_dir, tmp_path):
    local = build([corpus_dir], tmp_path / "local", use_cache=False, formats=["json", "ntriples"])
    dask = build([corpus_dir], tmp_path / "dask", use_cache=False, formats=["json", "ntriples"], scheduler="local:2")
    assert dask.extracted == local.extracted == 182
    for name in ("graph.json", "graph.nt", "extractions.jsonl"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name


def test_a_dask_build_sends_texts_gets_rows_and_never_loads_spacy_itself(corpus_dir, tmp_path):
    """The build's own process only sends (title, abstract) pairs and stores the rows that come back:
    spaCy and the pipeline are the cluster's workers' alone (~55 MB less here)."""
    script = (
        "import sys, kg.build as b\n"
        "from pathlib import Path\n"
        f"result = b.build([Path({str(corpus_dir)!r})], Path({str(tmp_path)!r}), formats=['json'], html=False, "
        "scheduler='local:2')\n"
        "print(result.extracted, 'spacy' in sys.modules, 'kg.extract.pipeline' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    extracted, spacy_loaded, pipeline_loaded = done.stdout.split()[-3:]
    assert int(extracted) == 182 and spacy_loaded == "False" and pipeline_loaded == "False"


@pytest.mark.parametrize("scheduler", ["local:abc", "local:0", "local:999999"])
def test_a_malformed_local_scheduler_is_refused_with_a_message(scheduler):
    from kg.extract.distributed import extract_on_dask
    from kg.model import Paper

    with pytest.raises(ValueError, match="local:N"):
        list(extract_on_dask([Paper(title="t", abstract="a")], scheduler))


def test_partitions_come_back_in_order_with_a_bounded_number_in_flight():
    """A cluster reading millions of abstracts holds only ``window`` partitions at a time, and the
    results still come in input order whatever order the workers finish in."""
    import random
    import time
    from concurrent.futures import ThreadPoolExecutor

    from kg.extract.distributed import in_order

    rng = random.Random(5)
    in_flight = peak = 0

    def work(batch):
        time.sleep(rng.random() / 200)  # finish out of order
        return [x * 2 for x in batch]

    with ThreadPoolExecutor(max_workers=4) as pool:
        def submit(batch):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            return pool.submit(work, batch)

        results = []
        for result in in_order(submit, ([i, i + 1] for i in range(0, 200, 2)), window=6):
            in_flight -= 1
            results.extend(result)
    assert results == [x * 2 for x in range(200)]
    assert peak == 6
