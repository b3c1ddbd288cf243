"""The built wheel holds every package folder, the configs, and one version string."""

import configparser
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

import tfvae

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Source folder -> the package it installs as (`package_dir` in setup.cfg).
INSTALLED_AS = {"tfvae": "tfvae", "training": "tfvae/training", "export": "tfvae/export"}


def _package_folders():
    for source, installed in INSTALLED_AS.items():
        for folder, _, files in os.walk(ROOT / source):
            if "__init__.py" in files and "__pycache__" not in folder:
                yield installed + folder[len(str(ROOT / source)) :]


@pytest.mark.slow
def test_wheel_holds_every_package_folder_and_the_configs(tmp_path):
    # Built from a clean copy: a `build/` folder left in the project would hide a package
    # that setup.cfg no longer lists.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".*", "build", "runs", "*.egg-info", "__pycache__", "notebooks", "benchmarks"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("tfvae-*.whl")
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
