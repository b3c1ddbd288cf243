"""Smoke run of benchmarks/score_throughput.py on a tiny file."""

import importlib.util
import json
import pathlib
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.slow
def test_score_throughput_writes_its_results(tmp_path):
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(
        "score_throughput_script", BENCHMARKS / "score_throughput.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--rows", "3000", "--features", "4", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "score_throughput.json").read_text())
    assert report["tfvae_score"]["rows_out"] == 3000  # one output row per input row
    assert report["in_memory_savedmodel_rows_per_s"] > 0 and report["load_average_before"]
    assert "`tfvae score`" in (tmp_path / "score_throughput.md").read_text()
