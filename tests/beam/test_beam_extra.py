import subprocess
import sys

# Runs without Apache Beam importable (sys.modules entry None makes `import` fail).
SCRIPT = """
import sys
sys.modules["apache_beam"] = None
import tfvae, tfvae.commands.main, tfvae.scoring.tables
assert not [m for m in sys.modules if m.startswith("apache_beam") and sys.modules[m]]
sys.exit(tfvae.commands.main.main(["beam-score", "--model", "m", "--input", "i", "--output", "o"]))
"""


def test_tfvae_works_without_beam_and_beam_score_names_the_extra():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("tfvae beam-score")]
    assert errors == [
        "tfvae beam-score: error: tfvae.beam runs on Apache Beam: apache_beam is not installed. "
        "Install the optional extra: pip install 'tfvae[beam]'"
    ]


def test_importing_tfvae_does_not_import_beam():
    script = "import sys, tfvae; assert 'apache_beam' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", script], timeout=300).returncode == 0


def test_importing_tfvae_beam_without_beam_names_the_extra():
    script = (
        "import sys\n"
        "sys.modules['apache_beam'] = None\n"
        "from tfvae.extras import MissingExtraError\n"
        "try:\n"
        "    import tfvae.beam\n"
        "except MissingExtraError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.stdout.strip() == (
        "tfvae.beam runs on Apache Beam: apache_beam is not installed. "
        "Install the optional extra: pip install 'tfvae[beam]'"
    ), done.stderr[-2000:]
