import importlib.util
import json
import pathlib

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "fit_cost.py"


def test_fit_cost_writes_its_results(tmp_path):
    spec = importlib.util.spec_from_file_location("fit_cost_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--rows", "300", "--features", "6", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "fit_cost.json").read_text())
    assert report["rows"] == 300 and report["features"] == 6 and report["fit_seconds"] > 0
    assert report["steps"] % 32 == 0 and report["epochs_run"] >= 1
    assert (
        "members" in report["detector"]
        and "`VAEDetector().fit` on 300 x 6" in (tmp_path / "fit_cost.md").read_text()
    )
