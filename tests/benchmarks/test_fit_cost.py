import importlib.util
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "fit_cost.py"


@pytest.mark.slow
def test_fit_cost_compares_two_libraries_and_follows_memory(tmp_path):
    spec = importlib.util.spec_from_file_location("fit_cost_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--rows", "300", "--features", "6", "--out", str(tmp_path)]
    # This checkout against itself: one pair of fresh-process fits, then two fits in-process.
    assert module.main([*argv, "--old", str(ROOT), "--rounds", "1", "--fits", "2"]) == 0
    report = json.loads((tmp_path / "fit_cost.json").read_text())
    pair = report["compare"]["pairs"][0]
    assert pair["old"]["steps"] == pair["new"]["steps"] > 0
    assert pair["old"]["from_checkout"] and pair["new"]["from_checkout"]
    assert pair["ratio"] == pytest.approx(pair["new"]["fit_s"] / pair["old"]["fit_s"])
    memory = report["memory"]
    assert len(memory["rss_mb"]) == 2
    assert memory["growth_after_first"] == pytest.approx(
        memory["rss_mb"][1] / memory["rss_mb"][0] - 1
    )
    text = (tmp_path / "fit_cost.md").read_text()
    assert "ratio" in text and "2 default fits in one process" in text
    assert "load average" in text and report["load_average_end"]
