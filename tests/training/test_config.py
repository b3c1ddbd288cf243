import json
import pathlib

import pytest

from tfvae.training.config import ConfigError, from_dict, load_config, to_dict, with_overrides
from tfvae.training.config_files import config_path, packaged_configs

CONFIGS = sorted((pathlib.Path(__file__).parents[2] / "training" / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_example_configs_load_and_round_trip(path):
    config = load_config(str(path), {"data.path": "given/by/--data"})
    assert from_dict(to_dict(config)) == config


def test_example_configs_cover_demo_kdd_images_and_tables():
    sources = {load_config(str(p), {"data.path": "x"}).data.source for p in CONFIGS}
    assert {"demo", "kddcup99", "mnist_idx", "table"} <= sources


def test_a_config_may_leave_the_path_to_the_command_line():
    table = CONFIGS[0].parent / "table.yaml"
    with pytest.raises(ConfigError, match="data.path` is required"):
        load_config(str(table))
    assert load_config(str(table), {"data.path": "logs/*.csv"}).data.path == "logs/*.csv"


def test_tables_are_scaled_by_their_preprocessor():
    with pytest.raises(ConfigError, match="model.standardize"):
        from_dict(
            {"data": {"source": "table", "path": "t.csv"}, "model": {"standardize": "robust"}}
        )
    with pytest.raises(ConfigError, match="calibration.value.*target_fpr"):
        from_dict({"calibration": {"method": "target_fpr", "value": 1.5}})


def test_unknown_key_names_the_key_and_the_valid_keys():
    with pytest.raises(ConfigError, match=r"`training.epoch`.*'epochs'"):
        from_dict({"training": {"epoch": 5}})


def test_unknown_section_is_an_error():
    with pytest.raises(ConfigError, match="Unknown section `trainig`"):
        from_dict({"trainig": {}})


@pytest.mark.parametrize(
    "section, values, field",
    [
        ("training", {"epochs": 0}, "training.epochs"),
        ("training", {"precision": "float8"}, "training.precision"),
        ("strategy", {"name": "mirorred"}, "strategy.name"),
        ("model", {"hidden_units": [16, -1]}, "model.hidden_units"),
        ("loss", {"beta": -1}, "loss.beta"),
        ("calibration", {"method": "target_fpr", "value": 2.0}, "calibration.value"),
        ("data", {"source": "parquet"}, "data.source"),
        ("data", {"source": "npz", "path": "x.npz", "label_column": "y"}, "data.label_column"),
        ("model", {"architecture": "conv", "dropout": 0.1}, "model.dropout"),
        ("model", {"architecture": "conv", "hidden_units": [64, 32]}, "model.hidden_units"),
        (
            "model",
            {"architecture": "conv", "hidden_units": [64], "activation": "tanh"},
            "model.activation",
        ),
    ],
)
def test_bad_values_name_the_field(section, values, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        from_dict({section: values})


def test_batch_size_and_per_replica_batch_size_are_exclusive():
    with pytest.raises(ConfigError, match="exactly one"):
        from_dict({"training": {"batch_size": 64, "per_replica_batch_size": 32}})


def test_non_demo_source_needs_a_path():
    with pytest.raises(ConfigError, match="data.path"):
        from_dict({"data": {"source": "npz"}})


def test_overrides_are_validated(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"training": {"epochs": 3}}))
    config = with_overrides(
        load_config(str(path)), {"training.epochs": 5, "strategy.name": "mirrored"}
    )
    assert (config.training.epochs, config.strategy.name) == (5, "mirrored")
    with pytest.raises(ConfigError, match="training.epohcs"):
        with_overrides(config, {"training.epohcs": 5})
    with pytest.raises(ConfigError, match="SECTION.KEY"):
        with_overrides(config, {"epochs": 5})


def test_missing_config_file():
    with pytest.raises(FileNotFoundError, match="nope.yaml.*demo, kddcup99, mnist, table"):
        load_config("nope.yaml")


def test_packaged_configs_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    packaged = packaged_configs()
    assert list(packaged) == ["demo", "kddcup99", "mnist", "table"]
    assert config_path("demo") == config_path("demo.yaml") == packaged["demo"]
    assert load_config("demo").data.source == "demo"
    # A file of that name in the working folder is the user's, and wins.
    (tmp_path / "demo.yaml").write_text("data: {source: demo}\ntraining: {epochs: 3}\n")
    assert config_path("demo.yaml") == "demo.yaml"
    assert load_config("demo.yaml").training.epochs == 3
    with pytest.raises(FileNotFoundError, match="not found: configs/demo.yaml"):
        config_path("configs/demo.yaml")  # a path names a file, never a packaged config


@pytest.mark.parametrize(
    "values, field",
    [
        ({"members": 0}, "model.members"),
        ({"standardize": "quantile"}, "model.standardize"),
        ({"trim_fraction": 0.5}, "model.trim_fraction"),
        ({"architecture": "conv", "latent_dim": 4, "hidden_units": [64]}, "model.members"),
        ({"architecture": "conv", "members": 1}, "model.latent_dim/hidden_units"),
    ],
)
def test_detector_options_are_checked(values, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        from_dict({"model": values})
