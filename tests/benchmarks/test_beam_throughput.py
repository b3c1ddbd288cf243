"""Smoke run of benchmarks/beam_throughput.py on tiny files."""

import importlib.util
import json
import pathlib
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.slow
def test_beam_throughput_writes_its_results(tmp_path):
    pytest.importorskip("apache_beam")
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(
        "beam_throughput_script", BENCHMARKS / "beam_throughput.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--rows", "2000", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "beam_throughput.json").read_text())
    for entry in report["files"].values():
        assert entry["tfvae_score"]["rows"] == entry["beam_score"]["scored"] == 2000
    dirty = report["dirty_csv"]
    assert dirty["beam_score"]["dead_letter"] == sum(dirty["bad_lines"].values()) == 2
    assert report["load_average_before"] and report["command"].startswith("python ")
    assert "| Target (issue #21)" in (tmp_path / "beam_throughput.md").read_text()
