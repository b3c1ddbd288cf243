"""Build the wheel from a clean copy of the project, and install it into a fresh virtualenv."""

import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

ROOT = pathlib.Path(__file__).resolve().parents[1]


def build_wheel(tmp_path):
    """Builds the wheel from a clean copy of the project; returns its path.

    A clean copy, because a `build/` folder left in the project would hide a package
    that setup.cfg no longer lists.
    """
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".*", "build", "runs", "*.egg-info", "__pycache__", "notebooks", "benchmarks"
        ),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(tmp_path), str(source)],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("tfvae-*.whl")
    return wheel


def install_in_venv(wheel, venv):
    """A virtualenv at `venv` with `wheel` installed (`--no-deps`); returns its `bin/` folder.

    Its dependencies come from this test environment: a `.pth` file puts this
    environment's site-packages on its path after its own (an installed wheel wins over
    the editable checkout, whose import hook a `.pth`-added folder does not run).
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bin_dir = venv / "bin"
    python = bin_dir / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    pathlib.Path(purelib, "test_environment.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-deps", "--no-index", str(wheel)],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    return bin_dir
