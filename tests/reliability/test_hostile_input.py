"""Hostile input stays inert (issue #22): escape sequences and bytes that are not UTF-8 in
rows, YAML that expands or constructs, values that would flood a message."""

import json
import time

import pandas as pd
import pytest

from reliability.fault_helpers import no_control_characters
from tfvae.commands.main import main

#: Sets the window title, clears the screen, prints red: what a raw terminal would do.
ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\x1b[31mred"


def test_a_hostile_csv_scores_its_good_rows_and_reports_each_bad_one(
    numeric_model, tmp_path, capsys
):
    model, _ = numeric_model
    table = tmp_path / "hostile.csv"
    table.write_bytes(
        b"a,b,c,d\n"
        b"1,2,3,4\n"  # line 2
        + f"{ESCAPES},2,3,4\n".encode()  # 3: escapes in a numeric field
        + b"5,6,7\xff,8\n"  # 4: invalid UTF-8
        b"9,10,11,12\n"  # 5
        b"1,2,caf\xe9,4\n"  # 6: latin-1
        b"1,\xff\xfe\n"  # 7: invalid UTF-8 and the wrong number of fields
        b"3,3,3,3\n"  # 8
    )
    output = tmp_path / "scores.csv"
    assert main(["score", model, str(table), "--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert no_control_characters(err), err
    assert "Traceback" not in err and "Exception ignored" not in err
    for line in (3, 4, 6, 7):
        assert f"line {line}: " in err
    assert "\\x1b]0;PWNED\\x07" in err  # shown escaped, so the user sees what was there
    assert "byte 0xe9" in err
    scores = pd.read_csv(output)
    assert scores["line"].tolist() == [2, 3, 4, 5, 6, 7, 8]
    assert scores["score"].notna().tolist() == [True, False, False, True, False, False, True]
    assert all(no_control_characters(e) for e in scores["error"].dropna())


def _train(tmp_path, text, name="config.yaml"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return main(["train", "--config", str(path), "--out", str(tmp_path / "run")])


def _alias_bomb(levels):
    """YAML whose last alias expands to 9**levels ints inside a valid key."""
    lines = ["x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for level in range(1, levels):
        lines.append(f"x{level}: &x{level} [" + ", ".join([f"*x{level - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nmodel:\n  hidden_units: *x{levels - 1}\n"


@pytest.mark.parametrize(
    "text, where, words",
    [
        ("data:\n\tsource: demo\n", "line 2, column 1", "tabs"),
        ("data: !!python/object:os.system {source: demo}\n", "line 1, column 7", "tags"),
        ("data: {source: !!python/name:os.system demo}\n", "line 1", "tags"),
        (_alias_bomb(7), "line 1", "anchors and aliases"),
        ("training: {epochs: 2, epochs: 50}\n", "line 1", "repeated key 'epochs'"),
        ("[" * 50000 + "]" * 50000, "", "nested too deeply"),
        (b"model: {activation: caf\xe9}\n", "line 1", "not UTF-8"),
    ],
    ids=["tab", "python-object", "python-name", "alias-bomb", "repeated", "deep", "latin-1"],
)
def test_config_files_that_would_hang_or_construct_are_refused_with_file_and_line(
    tmp_path, capsys, text, where, words
):
    start = time.perf_counter()
    assert _train(tmp_path, text) == 2
    assert time.perf_counter() - start < 20  # the alias bomb hung (2 GB in a minute) before
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 600, err[:600]
    assert f"config.yaml{', ' + where if where else ''}" in err and words in err, err
    assert not (tmp_path / "run").exists()


def test_config_values_and_keys_are_quoted_escaped_and_cut(tmp_path, capsys):
    long = "x" * 100_000
    cases = {
        "config.json": json.dumps({"model": {"latent_dim": ESCAPES}}),
        "key.json": json.dumps({"model": {ESCAPES: 1}}),
        "long.json": json.dumps({"model": {"latent_dim": long}}),
        "syntax.json": '{"model": {"latent_dim": }}',
        "repeated.json": '{"loss": {"beta": 1}, "loss": {"beta": 2}}',
    }
    for name, text in cases.items():
        assert _train(tmp_path, text, name) == 2
        err = capsys.readouterr().err
        assert name in err and no_control_characters(err) and len(err) < 800, err[:800]
    assert (
        main(["train", "--config", str(tmp_path / "config.json"), "--set", "a.b=[&x 1, *x]"]) == 2
    )
    assert "anchors and aliases" in capsys.readouterr().err
