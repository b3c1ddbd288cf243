"""Progress of long commands: a bar on a terminal, plain periodic lines in a log."""

import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd

from tfvae.progress import Progress, keras_verbosity
from tfvae.scoring.tables import score_table


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_log_gets_plain_lines_with_the_share_done():
    log = io.StringIO()
    progress = Progress("job", stream=log, interval=0)
    for done in (10, 20, 30):
        progress.update(done, done / 40)
    progress.close()
    lines = log.getvalue().splitlines()
    assert [line.split(" ")[1] for line in lines] == ["25%", "50%", "75%"]
    assert lines[-1].startswith("job: 75% 30 rows in ") and lines[-1].endswith("rows/s)")
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()


def test_log_lines_wait_for_the_interval():
    log = io.StringIO()
    progress = Progress("job", stream=log, interval=3600)
    progress.update(10, 0.5)
    progress.close()
    assert log.getvalue() == ""  # short jobs print nothing; their results follow


def test_terminal_gets_one_bar_redrawn_in_place():
    screen = Terminal()
    progress = Progress("job", stream=screen, interval=0)
    progress.update(1000, 0.5)
    progress.update(2000, 1.0)
    progress.close()
    text = screen.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.count("\r") == 3 and "\x1b" not in text
    assert "[" + "#" * 15 + "." * 15 + "] 50% 1,000 rows" in text
    assert "[" + "#" * 30 + "] 100% 2,000 rows" in text


def test_quiet_reports_nothing():
    screen = Terminal()
    progress = Progress("job", stream=screen, quiet=True, interval=0)
    progress.update(5, 0.5)
    progress.close()
    assert screen.getvalue() == ""


def test_keras_verbosity():
    assert keras_verbosity(quiet=True, stream=Terminal()) == 0
    assert keras_verbosity(stream=Terminal()) == 1  # Keras' bar
    assert keras_verbosity(stream=io.StringIO()) == 2  # one plain line per epoch


def _numeric_model(tmp_path):
    from helpers import gaussian_blobs

    from tfvae.detectors import VAEDetector

    x = gaussian_blobs(200, 4)
    columns = [f"f{i}" for i in range(4)]
    detector = VAEDetector(epochs=1, members=1, batch_size=64).fit(pd.DataFrame(x, columns=columns))
    return detector.save(tmp_path / "model.keras"), columns


def test_score_table_reports_progress_block_by_block(tmp_path):
    model, columns = _numeric_model(tmp_path)
    rows = np.random.default_rng(0).normal(size=(3000, 4))
    pd.DataFrame(rows, columns=columns).to_csv(tmp_path / "rows.csv", index=False)
    log = io.StringIO()
    report = score_table(
        model,
        tmp_path / "rows.csv",
        tmp_path / "scores.csv",
        block_bytes=8192,
        progress=Progress("tfvae score", stream=log, interval=0),
    )
    lines = log.getvalue().splitlines()
    shares = [int(line.split(" ")[2].rstrip("%")) for line in lines]
    counts = [int(line.split(" ")[3].replace(",", "")) for line in lines]
    assert len(lines) > 5 and shares == sorted(shares) and shares[-1] == 100
    assert counts == sorted(counts) and counts[-1] == report["rows"] == 3000


def test_score_command_in_a_log_has_no_terminal_codes(tmp_path):
    model, columns = _numeric_model(tmp_path)
    pd.DataFrame(np.zeros((50, 4)), columns=columns).to_csv(tmp_path / "rows.csv", index=False)
    command = [sys.executable, "-m", "tfvae", "score", model, str(tmp_path / "rows.csv")]
    done = subprocess.run(
        [*command, "--output", str(tmp_path / "out.csv")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scored"] == 50
    assert "\r" not in done.stderr and "\x1b" not in done.stderr
