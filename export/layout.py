"""The versioned layout TF Serving watches: `<base>/<name>/<int version>/`, published atomically.

A version is written under a hidden temporary name beside its final place
(`.tmp-<version>-<random>`, which TF Serving ignores: it only loads integer names)
and renamed into place only when complete. An existing version is never replaced;
a failed export removes its temporary directory and leaves no numbered directory.
"""

import contextlib
import os
import re
import shutil
import tempfile

from tfvae.atomic import apply_umask

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_name(name):
    """Validates a model name (one path component, as TF Serving's model name)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            "Expected `name` to be letters, digits, '_', '-' or '.' (starting with a letter or "
            f"digit). Received: name={name!r}"
        )
    return name


def existing_versions(model_dir):
    """Sorted integer versions present in `model_dir` (temporary directories excluded)."""
    if not os.path.isdir(model_dir):
        return []
    return sorted(int(entry) for entry in os.listdir(model_dir) if entry.isdigit())


def resolve_version(base, name, version=None):
    """Returns `(version, version_dir)`: the given version, or the next free one.

    Raises:
        ValueError: `version` is not a positive int.
        FileExistsError: the version directory exists already.
    """
    model_dir = os.path.join(os.fspath(base), check_name(name))
    if version is None:
        versions = existing_versions(model_dir)
        version = versions[-1] + 1 if versions else 1
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"Expected `version` to be a positive int. Received: version={version!r}")
    version_dir = os.path.join(model_dir, str(version))
    if os.path.exists(version_dir):
        raise FileExistsError(
            f"{version_dir} exists already; versions are never overwritten. Pass another "
            "`--version`, or omit it to take the next free number."
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
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=parent)
    try:
        yield tmp
        apply_umask(tmp)  # mkdtemp made it 0700: TF Serving may run as another user
        # os.rename would silently replace an *empty* directory: check right before.
        if os.path.exists(version_dir):
            raise FileExistsError(f"{version_dir} appeared while exporting; not overwriting it.")
        os.rename(tmp, version_dir)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
