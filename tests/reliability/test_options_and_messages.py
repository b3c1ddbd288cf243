"""Options checked as they are parsed, `--debug`, and messages that name what the user gave
(issue #22): full disk, read-only folder, a GAN where a VAE is needed, sparse input..."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tfvae.commands.main import main


def _refused_at_parse(capsys, argv, *needles):
    assert main(argv) == 2, argv
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def test_numbers_and_outputs_are_checked_as_the_command_line_is_parsed(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)  # nothing may be written here
    score = ["score", "m.keras", "t.csv", "--output", "o.csv"]
    for value in ("-5", "nan", "inf", "0"):
        _refused_at_parse(capsys, [*score, "--block-mb", value], "--block-mb", repr(value))
    _refused_at_parse(capsys, [*score, "--batch-size", "0"], "--batch-size")
    _refused_at_parse(capsys, ["score", "m.keras", "t.csv", "--output", "-"], "--output", "'-'")
    beam = ["beam-score", "--model", "m", "--input", "t.csv", "--output"]
    for value in ("-5", "nan", "inf", "0"):
        _refused_at_parse(capsys, [*beam, "o", "--block-mb", value], "--block-mb", repr(value))
    _refused_at_parse(capsys, [*beam, "-"], "--output", "'-'")
    export = ["export", "--model", "m.keras", "--out", "exports"]
    for version in ("0", str(2**63), "99999999999999999999", "1.5"):
        _refused_at_parse(capsys, [*export, "--version", version], "--version", version)
    _refused_at_parse(capsys, [*export, "--threshold", "nan"], "--threshold")
    evaluate = ["evaluate", "--model", "m.keras", "--data", "d.csv", "--out", "e"]
    _refused_at_parse(capsys, [*evaluate, "--threshold", "inf"], "--threshold")
    _refused_at_parse(capsys, [*evaluate, "--seed", "-1"], "--seed", "'-1'")
    _refused_at_parse(capsys, ["demo", "--epochs", "0"], "--epochs")
    _refused_at_parse(capsys, ["train", "--config", "c.yaml", "--learning-rate", "nan"], "nan")
    _refused_at_parse(capsys, ["train", "--config", "c.yaml", "--epochs", "0"], "--epochs")
    for command in (["train", "--config", "c.yaml"], ["demo"], evaluate[:-2], export[:-2]):
        _refused_at_parse(capsys, [*command, "--out", "-"], "'-'")
    assert os.listdir(tmp_path) == []


def test_debug_adds_the_traceback_and_changes_nothing_else(tmp_path, monkeypatch, capsys):
    from tfvae.commands import score as score_command

    argv = ["score", str(tmp_path / "gone.keras"), "t.csv", "--output", str(tmp_path / "o.csv")]
    assert main(argv) == 2
    plain = capsys.readouterr().err
    assert main(["--debug", *argv]) == 2
    debug = capsys.readouterr().err
    assert "Traceback" in debug and debug.endswith(plain)

    def bug(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(score_command, "run", bug)
    assert main(["--debug", *argv]) == 3
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_export_versions_stay_within_tf_servings_int64(numeric_model, tmp_path, capsys):
    from tfvae.export import layout

    model, _ = numeric_model
    base = tmp_path / "exports"
    (base / "model" / "99999999999999999999").mkdir(parents=True)  # not a version TF reads
    (base / "model" / str(2**63 - 1)).mkdir()
    with pytest.raises(ValueError, match="pass a free `--version`"):
        layout.resolve_version(base, "model")
    (base / "model" / str(2**63 - 1)).rmdir()
    (base / "model" / "007").mkdir()
    assert layout.resolve_version(base, "model") == (8, str(base / "model" / "8"))
    with pytest.raises(FileExistsError, match="holds version 7"):
        layout.resolve_version(base, "model", 7)
    with pytest.raises(ValueError, match="2\\*\\*63|9223372036854775807"):
        layout.resolve_version(base, "model", 2**63)
    (tmp_path / "plain").write_text("x")
    assert main(["export", "--model", model, "--out", str(tmp_path / "plain")]) == 2
    assert "plain is a file" in capsys.readouterr().err


def test_python_api_messages_name_the_problem(numeric_model):
    import scipy.sparse

    from tfvae import GANDetector, VAEDetector
    from tfvae.saving import as_model

    model, frame = numeric_model
    x = frame.to_numpy()
    with pytest.raises(TypeError, match="scipy sparse matrix.*toarray"):
        VAEDetector(epochs=1).fit(scipy.sparse.csr_matrix(x))
    with pytest.raises(
        ValueError, match="Expected `latent_dim` to be .*Received: latent_dim='big'"
    ):
        VAEDetector(epochs=1, latent_dim="big").fit(x)
    detector = VAEDetector.load(model)
    rows = x.copy()
    rows[3, 2] = np.nan
    with pytest.raises(ValueError, match="row 3, column 'c'") as raised:
        detector.predict(frame.assign(c=rows[:, 2]))
    assert "before scoring" in str(raised.value) and "fitting" not in str(raised.value)
    gan = GANDetector(epochs=1, hidden_units=(8,), latent_dim=2, on_failure="warn").fit(x)
    path = gan.save(os.path.join(os.path.dirname(model), "gan.keras"))
    with pytest.raises(ValueError, match="gan.keras holds a GANomaly model.*GANDetector"):
        as_model(path)


def test_a_csv_that_is_not_utf8_names_its_line_in_evaluate(numeric_model, tmp_path, capsys):
    model, frame = numeric_model
    table = tmp_path / "rows.csv"
    table.write_bytes(frame.to_csv(index=False).encode() + b"1,2,3\xe9,4\n")
    argv = ["evaluate", "--model", model, "--data", str(table), "--out", str(tmp_path / "e")]
    assert main(argv) == 2
    assert f"rows.csv, line {len(frame) + 2}: not UTF-8 text" in capsys.readouterr().err


def _can_mount():
    if not shutil.which("unshare") or not shutil.which("mount"):
        return False
    user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    probe = ["unshare", *user, "--mount", "sh", "-c", "mount -t tmpfs tmpfs /mnt"]
    return subprocess.run(probe, capture_output=True).returncode == 0


_FULL_DISK_RUNS = """
import contextlib, io, json, os, sys
full, read_only, model, data, config = sys.argv[1:]
fd = os.open(os.path.join(full, "filler"), os.O_WRONLY | os.O_CREAT)
with contextlib.suppress(OSError):
    while True:
        os.write(fd, b"x" * 4096)
os.close(fd)
from tfvae.commands.main import main
for base in (full, read_only):
    for argv in (
        ["score", model, data, "--output", os.path.join(base, "scores.csv")],
        ["export", "--model", model, "--out", os.path.join(base, "exports")],
        ["evaluate", "--model", model, "--data", data, "--out", os.path.join(base, "eval")],
        ["train", "--config", config, "--out", os.path.join(base, "run")],
    ):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(argv)
        print(json.dumps([argv[-1], code, err.getvalue()]))
print(json.dumps(sorted(os.listdir(full)) + sorted(os.listdir(read_only))))
"""


@pytest.mark.slow
@pytest.mark.skipif(not _can_mount(), reason="needs unshare and mount (a mount namespace)")
def test_full_disk_and_read_only_folder_name_the_output_and_leave_nothing(
    numeric_model, train_config, tmp_path
):
    model, frame = numeric_model
    frame.to_csv(tmp_path / "rows.csv", index=False)
    full, read_only = tmp_path / "full", tmp_path / "read_only"
    full.mkdir()
    read_only.mkdir()
    user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    shell = (
        f"mount -t tmpfs -o size=64k tmpfs {full} && mount --bind {read_only} {read_only} && "
        f'mount -o remount,ro,bind {read_only} && exec "$0" -c "$1" "$2" "$3" "$4" "$5" "$6"'
    )
    done = subprocess.run(
        ["unshare", *user, "--mount", "sh", "-c", shell, sys.executable, _FULL_DISK_RUNS]
        + [str(full), str(read_only), model, str(tmp_path / "rows.csv"), str(train_config)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *runs, left = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("[")]
    assert len(runs) == 8
    for output, code, err in runs:
        reason = "No space left on device" if output.startswith(str(full)) else "Read-only"
        assert code == 2 and err.count("\n") == 1, err
        assert f"Cannot write {output}" in err and reason in err and ".tmp-" not in err, err
    assert left == ["filler"]  # nothing else on the full disk, nothing on the read-only one
