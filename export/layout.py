"""The versioned layout TF Serving watches: `<base>/<name>/<int version>/`, published atomically.

A version is written under a hidden temporary name beside its final place
(`.tmp-<version>-<random>`, which TF Serving ignores: it only loads integer names)
and renamed into place only when complete, with a rename that fails if the version
exists by then (`tfvae.atomic.publish`): an existing version is never replaced, and
of two exports racing to the same version exactly one publishes. A failed export
removes its temporary directory and the folders it created, and leaves no numbered
directory. Versions are TF Serving's int64: 1 to 2**63 - 1.
"""

import contextlib
import os
import re
import shutil
import tempfile

from tfvae import atomic
from tfvae.quoting import clean, quote

#: The largest version TF Serving reads (its versions are int64).
MAX_VERSION = 2**63 - 1

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_name(name):
    """Validates a model name (one path component, as TF Serving's model name)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            "Expected `name` to be letters, digits, '_', '-' or '.' (starting with a letter or "
            f"digit). Received: name={quote(name)}"
        )
    return name


def _version_of(entry):
    """The version an entry's name stands for, as TF Serving reads it, or None."""
    if not (entry.isascii() and entry.isdigit()):
        return None
    version = int(entry)
    return version if 1 <= version <= MAX_VERSION else None


def existing_versions(model_dir):
    """Sorted versions present in `model_dir` (temporary and out-of-range names excluded)."""
    if not os.path.isdir(model_dir):
        return []
    versions = (_version_of(entry) for entry in os.listdir(model_dir))
    return sorted(v for v in versions if v is not None)


def _check_folder(path):
    if os.path.lexists(path) and not os.path.isdir(path):
        raise FileExistsError(f"{clean(path)} is a file, not an export folder; not replacing it.")


def resolve_version(base, name, version=None):
    """Returns `(version, version_dir)`: the given version, or the next free one.

    Raises:
        ValueError: `version` is not an int in [1, 2**63 - 1], or no version is free.
        FileExistsError: the version exists already (also under another spelling,
            such as `007` for 7), or `base` or its model folder is a file.
    """
    base = os.fspath(base)
    model_dir = os.path.join(base, check_name(name))
    _check_folder(base)
    _check_folder(model_dir)
    if version is None:
        versions = existing_versions(model_dir)
        version = versions[-1] + 1 if versions else 1
        if version > MAX_VERSION:
            raise ValueError(
                f"{clean(model_dir)} holds version {MAX_VERSION}, the largest TF Serving reads; "
                "pass a free `--version`."
            )
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise ValueError(
            f"Expected `version` to be an int in [1, {MAX_VERSION}] (TF Serving's int64). "
            f"Received: version={quote(version)}"
        )
    version_dir = os.path.join(model_dir, str(version))
    if version in existing_versions(model_dir) or os.path.lexists(version_dir):
        raise FileExistsError(
            f"{clean(model_dir)} holds version {version} already; versions are never "
            "overwritten. Pass another `--version`, or omit it to take the next free number."
        )
    return version, version_dir


@contextlib.contextmanager
def publish(version_dir):
    """Yields a temporary directory that becomes `version_dir` when the block succeeds.

    Example:
    ```python
    with publish("exports/fraud/3") as tmp:
        tf.saved_model.save(module, tmp)
    ```
    """
    parent, version = os.path.split(os.path.abspath(version_dir))
    with atomic.output_errors(version_dir), atomic.new_folders(parent):
        tmp = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=parent)
        try:
            yield tmp
            # Gives the umask's modes (mkdtemp made it 0700: TF Serving may run as another
            # user), then renames without replacing a version that appeared meanwhile.
            try:
                atomic.publish(tmp, version_dir)
            except FileExistsError:
                raise FileExistsError(
                    f"{clean(version_dir)} appeared while exporting (another export?); not "
                    "replacing it. Export again to take the next free version."
                ) from None
        finally:
            if os.path.exists(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
