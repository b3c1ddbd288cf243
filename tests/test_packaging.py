"""The built wheel holds every package folder, the configs, the licence and one version
string; installed with pip, it finds its configs by name and names a missing extra."""

import configparser
import os
import pathlib
import subprocess
import zipfile

import pytest
from wheel_helpers import build_wheel, install_in_venv

import tfvae

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Source folder -> the package it installs as (`package_dir` in setup.cfg).
INSTALLED_AS = {"tfvae": "tfvae", "training": "tfvae/training", "export": "tfvae/export"}


def _package_folders():
    for source, installed in INSTALLED_AS.items():
        for folder, _, files in os.walk(ROOT / source):
            if "__init__.py" in files and "__pycache__" not in folder:
                yield installed + folder[len(str(ROOT / source)) :]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """`bin/` of a virtualenv with the wheel installed (dependencies from this environment)."""
    return install_in_venv(wheel, tmp_path_factory.mktemp("venv") / "venv")


@pytest.mark.slow
def test_wheel_holds_every_package_folder_and_the_configs(wheel):
    assert wheel.name.startswith(f"tfvae-{tfvae.__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    folders = sorted(_package_folders())
    assert len(folders) > 10
    missing = [folder for folder in folders if f"{folder}/__init__.py" not in names]
    assert missing == []
    assert "tfvae/training/configs/kddcup99.yaml" in names


def test_runtime_needs_are_install_requirements():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    required = config["options"]["install_requires"]
    # train writes YAML, exports write warm-ups, tensorflow-datasets imports
    # importlib_resources without declaring it.
    for package in ("pyyaml", "tensorflow-serving-api", "importlib_resources"):
        assert package in required
    assert config["metadata"]["version"] == "attr: tfvae.__version__"


def test_license_file_matches_the_metadata():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config["metadata"]["license"] == "Apache-2.0"
    assert config["metadata"]["license_files"].split() == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in text


@pytest.mark.slow
def test_wheel_carries_the_license(wheel):
    archive = zipfile.ZipFile(wheel)
    (license_name,) = [n for n in archive.namelist() if n.endswith("LICENSE")]
    assert archive.read(license_name).decode() == (ROOT / "LICENSE").read_text()
    assert (
        "License: Apache-2.0"
        in archive.read(
            next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        ).decode()
    )


def _run(bin_dir, *args, cwd, env=None):
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow
def test_installed_wheel_trains_a_packaged_config_by_name(installed, tmp_path):
    where = _run(installed, "python", "-c", "import tfvae; print(tfvae.__file__)", cwd=tmp_path)
    assert where.stdout.startswith(str(installed.parent)), where  # not the checkout
    help_text = _run(installed, "tfvae", "train", "--help", cwd=tmp_path).stdout
    assert "training/configs" not in help_text
    assert "demo, kddcup99, mnist, table" in " ".join(help_text.split())
    for name in ("demo", "demo.yaml"):
        found = _run(
            installed,
            "python",
            "-c",
            f"from tfvae.training.config_files import config_path; print(config_path({name!r}))",
            cwd=tmp_path,
        )
        assert found.stdout.strip().startswith(str(installed.parent)), found
    run = _run(installed, "tfvae", "train", "--config", "demo", "--epochs", "1", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (tmp_path / "runs" / "demo" / "model.keras").is_file()


@pytest.mark.slow
def test_installed_wheel_names_a_missing_extra(installed, tmp_path):
    # A folder first on the path whose `matplotlib` fails to import, as when it is absent.
    shim = tmp_path / "shim" / "matplotlib"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError(\"No module named 'matplotlib'\")\n")
    args = ("--model", "absent.keras", "--data", "absent.csv", "--out", "evaluation")
    run = _run(
        installed, "tfvae", "evaluate", *args, cwd=tmp_path, env={"PYTHONPATH": str(shim.parent)}
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert "pip install 'tfvae[plots]'" in run.stderr and "--no-plots" in run.stderr
    assert not (tmp_path / "evaluation").exists()
