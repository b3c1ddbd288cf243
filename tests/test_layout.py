"""The layout's dependency rules, read from the source with `ast` (nothing is imported).

1. Under `tfvae/`, only `tfvae/commands/` imports `tfvae.training` or `tfvae.export`.
2. The TF-free modules (the vocabularies, the command dispatcher and every command
   module) import only the standard library and other TF-free modules at module level,
   so `tfvae COMMAND --help` can read them without TensorFlow, numpy or pandas.
3. `models/`, `preprocessing/`, `fitting/`, `data/` and `scoring/` never import `detectors/`,
   `evaluation/`, `beam/` or `commands/`; `models/` never imports the scoring function
   (it calls the models, not the reverse).
4. No loop between rooms (each sub-folder of `tfvae/` and each top-level module but the
   package face): dependencies point one way.
"""

import ast
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tfvae"
#: Modules that import neither TensorFlow nor numpy nor pandas at module level.
TF_FREE = {
    "tfvae.column_kinds",
    "tfvae.commands",
    "tfvae.commands.arguments",
    "tfvae.commands.main",
    "tfvae.extras",
    "tfvae.quoting",
    "tfvae.score_names",
    "tfvae.serving",
}
LOWER = ("models", "preprocessing", "fitting", "data", "scoring")
UPPER = ("tfvae.detectors", "tfvae.evaluation", "tfvae.beam", "tfvae.commands")


def _module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node, package):
    """The dotted names an import statement may import (`from a import b`: `a` and `a.b`)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        base = f"{parent}.{base}" if base else parent
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _imports(path, module_level_only=False):
    """`(line, dotted name)` of each import in `path` (optionally outside functions only)."""
    tree = ast.parse(path.read_text(), str(path))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if module_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found += [(node.lineno, target) for target in _imported(node, package)]
        todo.extend(ast.iter_child_nodes(node))
    return found


def _within(target, prefix):
    return target == prefix or target.startswith(prefix + ".")


def _files(*folders):
    return sorted(path for folder in folders for path in (PACKAGE / folder).rglob("*.py"))


def _where(path, line, target):
    return f"{path.relative_to(ROOT)}:{line} imports {target}"


def test_only_the_commands_import_training_and_export():
    wrong = [
        _where(path, line, target)
        for path in _files(".")
        if PACKAGE / "commands" not in path.parents
        for line, target in _imports(path)
        if _within(target, "tfvae.training") or _within(target, "tfvae.export")
    ]
    assert not wrong


TF_FREE_FILES = sorted(
    {path for path in _files("commands")}
    | {path for path in _files(".") if _module_name(path) in TF_FREE}
)


@pytest.mark.parametrize("path", TF_FREE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_tf_free_modules_import_only_the_standard_library_at_module_level(path):
    allowed = TF_FREE | {_module_name(p) for p in _files("commands")}
    wrong = [
        _where(path, line, target)
        for line, target in _imports(path, module_level_only=True)
        if target.split(".")[0] not in sys.stdlib_module_names
        and not any(_within(target, name) for name in allowed)
        and target != "tfvae"
    ]
    assert not wrong


def test_lower_folders_do_not_import_upper_ones():
    wrong = [
        _where(path, line, target)
        for path in _files(*(f for f in LOWER if (PACKAGE / f).is_dir()))
        for line, target in _imports(path)
        if any(_within(target, upper) for upper in UPPER)
    ]
    assert not wrong


def test_models_do_not_call_back_into_the_scoring_function():
    wrong = [
        _where(path, line, target)
        for path in _files("models")
        for line, target in _imports(path)
        if _within(target, "tfvae.scoring.scores") or _within(target, "tfvae.scoring")
    ]
    assert not wrong


def _room_of(target):
    """The room of an imported `tfvae...` name: its sub-folder or top-level module."""
    parts = target.split(".")
    if parts[0] != "tfvae" or len(parts) < 2:
        return None
    if (PACKAGE / parts[1]).is_dir():
        return parts[1] + "/"
    return parts[1] + ".py" if (PACKAGE / f"{parts[1]}.py").exists() else None


def test_no_loop_between_rooms():
    arrows = {}
    for path in _files("."):
        if path == PACKAGE / "__init__.py":
            continue
        parts = path.relative_to(PACKAGE).parts
        room = parts[0] + "/" if len(parts) > 1 else parts[0]
        for _, target in _imports(path):
            found = _room_of(target)
            if found and found != room:
                arrows.setdefault(room, set()).add(found)
    done, path = set(), []

    def visit(room):
        if room in path:
            return path[path.index(room) :] + [room]
        if room in done:
            return None
        path.append(room)
        loop = next(filter(None, (visit(n) for n in sorted(arrows.get(room, ())))), None)
        path.pop()
        done.add(room)
        return loop

    loops = [loop for room in sorted(arrows) if (loop := visit(room))]
    assert not loops, " -> ".join(loops[0])
