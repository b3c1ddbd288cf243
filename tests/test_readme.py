"""Keeps the README true: its `tfvae` commands parse, its imports resolve, its files exist."""

import importlib
import pathlib
import re
import shlex

import pytest

from tfvae.commands.main import _parser

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def _tfvae_commands():
    commands = []
    for block in _blocks("bash"):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split(" #")[0].strip()
            if line.startswith("tfvae "):
                commands.append(shlex.split(line)[1:])
    return commands


COMMANDS = _tfvae_commands()


def test_readme_shows_each_subcommand():
    shown = {argv[0] for argv in COMMANDS}
    assert shown >= {"export", "train", "score", "evaluate"}


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a[:1]) for a in COMMANDS])
def test_readme_command_parses(argv):
    parser = _parser(argv[0])
    try:
        parser.parse_args(argv)
    except SystemExit as exit_:
        pytest.fail(f"`tfvae {' '.join(argv)}` does not parse (exit {exit_.code})")


def test_readme_python_imports_resolve():
    imports = set()
    for block in _blocks("python"):
        for module, names in re.findall(r"^from ([\w.]+) import ([\w, ]+)$", block, flags=re.M):
            imports.update((module, name.strip()) for name in names.split(","))
    assert imports
    for module, name in sorted(imports):
        if not hasattr(importlib.import_module(module), name):
            importlib.import_module(f"{module}.{name}")  # a submodule, e.g. `from pkg import mod`


def test_readme_files_and_make_targets_exist():
    for link in re.findall(r"\]\(((?:notebooks|benchmarks)/[^)]+)\)", README):
        assert (ROOT / link).exists(), link
    makefile = (ROOT / "Makefile").read_text()
    assert "demo:" in makefile and "test:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    for config in re.findall(r"training/configs/\w+\.yaml", README):
        assert (ROOT / config).exists(), config


def test_readme_configs_by_name_resolve_from_any_folder(tmp_path, monkeypatch):
    from tfvae.training.config_files import config_path

    monkeypatch.chdir(tmp_path)
    names = [argv[argv.index("--config") + 1] for argv in COMMANDS if "--config" in argv]
    assert "demo" in names and "kddcup99" in names
    for name in names:
        assert pathlib.Path(config_path(name)).is_file(), name


def test_readme_install_section_names_every_extra():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    extras = set(config["options.extras_require"])
    section = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    table = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.M))
    assert table == extras
    assert "pip install ." in section
    # Dependencies are not to be installed by hand, extras are installed as extras.
    for stale in ("pip install ai-edge-litert", "pip install tensorflow-serving-api"):
        assert stale not in README


def test_readme_defaults_section_names_the_real_defaults():
    """Each `argument=value` the defaults section gives for `VAEDetector()` is its default."""
    import ast

    from tfvae import VAEDetector

    section = README.split("`VAEDetector()` with no arguments", 1)[1]
    bullets = section[section.index("\n- **") :].split("\n\n", 1)[0]  # the list of defaults
    defaults = VAEDetector().get_params()
    named = {}
    for name, value in re.findall(r"`(\w+)=([^`]+)`", bullets):
        if name in defaults and re.fullmatch(r"[\d.e+-]+|\"\w+\"|True|False|None", value):
            named[name] = ast.literal_eval(value)  # not `contamination=c`: a placeholder
    assert {"members", "neighbour_weight", "n_neighbors", "standardize"} <= set(named)
    assert named == {name: defaults[name] for name in named}
