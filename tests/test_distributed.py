"""The same extraction on a Dask LocalCluster of two worker processes gives the same graph files."""

from __future__ import annotations

import pytest

from kg.build import build

pytest.importorskip("dask.distributed")


def test_dask_local_cluster_build_is_identical_to_the_local_build(corpus_dir, tmp_path):
    local = build([corpus_dir], tmp_path / "local", use_cache=False, formats=["json", "ntriples"])
    dask = build([corpus_dir], tmp_path / "dask", use_cache=False, formats=["json", "ntriples"], scheduler="local:2")
    assert dask.extracted == local.extracted == 182
    for name in ("graph.json", "graph.nt", "extractions.jsonl"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name


@pytest.mark.parametrize("scheduler", ["local:abc", "local:0", "local:999999"])
def test_a_malformed_local_scheduler_is_refused_with_a_message(scheduler):
    from kg.extract.distributed import extract_on_dask
    from kg.model import Paper

    with pytest.raises(ValueError, match="local:N"):
        list(extract_on_dask([Paper(title="t", abstract="a")], scheduler))
