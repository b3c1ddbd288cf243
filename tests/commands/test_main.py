"""The CLI contract: exit status 0/1/2/3/130, `--debug`, help without heavy imports, quiet TF logs."""

import os
import subprocess
import sys

import pytest

from tfvae.commands import score as score_command
from tfvae.commands.main import COMMANDS, main


def _imported_modules(command):
    """Top-level modules a subprocess imported (`-X importtime` lists each on stderr)."""
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
    )
    assert "usage: tfvae" in done.stdout, done.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}


#: What no `--help` may import: each takes a second or more to load.
HEAVY = {"tensorflow", "keras", "numpy", "pandas", "sklearn", "pyarrow", "apache_beam"}


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)])
def test_help_imports_no_heavy_library(command):
    script = os.path.join(os.path.dirname(sys.executable), "tfvae")  # the console script
    for launcher in ([script], [sys.executable, "-m", "tfvae"]):
        imported = _imported_modules([*launcher, *command, "--help"])
        assert "argparse" in imported  # the listing works
        assert not HEAVY & imported, (launcher, sorted(HEAVY & imported))


def test_import_tfvae_registers_the_keras_classes():
    # Library users load `.keras` files with plain Keras after `import tfvae`.
    code = (
        "import keras, tfvae\n"
        "names = keras.saving.get_custom_objects()\n"
        "print('tfvae>VAE' in names, 'tfvae>TabularPreprocessor' in names)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "True True", done.stderr[-2000:]


def test_exit_status_contract(tmp_path, monkeypatch, capsys):
    # 2: bad input, one line naming the file.
    assert main(["export", "--model", str(tmp_path / "gone.keras"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gone.keras" in err
    # --debug adds the traceback and keeps the status (before or after the command name).
    for argv in (["--debug", "export"], ["export", "--debug"]):
        assert main([*argv, "--model", str(tmp_path / "gone.keras"), "--out", "x"]) == 2
        err = capsys.readouterr().err
        assert "Traceback" in err and "FileNotFoundError" in err
        assert err.strip().splitlines()[-1].startswith("tfvae export: error: No model file")

    # 3: an unexpected error (a bug) is one line too, pointing at --debug.
    def bug(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(score_command, "run", bug)
    assert main(["score", "m.keras", "d.csv", "--output", "o.csv"]) == 3
    err = capsys.readouterr().err
    assert "unexpected error (RuntimeError: boom)" in err and "--debug" in err

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(score_command, "run", interrupted)
    assert main(["score", "m.keras", "d.csv", "--output", "o.csv"]) == 130
    assert "interrupted" in capsys.readouterr().err


def _tfvae(tmp_path, *args, env=None):
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tfvae", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=environ,
        cwd=tmp_path,
    )


def test_tensorflow_start_up_lines_are_quiet_unless_asked(tmp_path):
    args = ("export", "--model", "gone.keras", "--out", "exp")
    quiet = _tfvae(tmp_path, *args)
    assert quiet.returncode == 2
    assert quiet.stderr.splitlines() == [
        "tfvae export: error: No model file at gone.keras. Pass a `.keras` file saved by tfvae."
    ]
    loud = _tfvae(tmp_path, *args, env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert loud.returncode == 2 and len(loud.stderr.splitlines()) > 1  # the user asked for them


def test_score_names_and_train_config_load_without_tensorflow():
    # Under the `tfvae` command, config validation and the score names need no TensorFlow.
    code = (
        "import sys\n"
        "sys.argv = ['tfvae']  # as the console script starts\n"
        "from tfvae.score_names import SCORE_NAMES, VAE_SCORES\n"
        "from tfvae.training.config import load_config\n"
        "assert set(SCORE_NAMES) == set(VAE_SCORES) and 'negative_elbo' in SCORE_NAMES\n"
        "assert not {'tensorflow', 'keras'} & set(sys.modules), sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
