"""Atomic file writes: a temporary file beside the target, renamed into place.

Readers (a TF Serving watcher, a resumed run, a user's shell) never see a
half-written file, and a failed write leaves the previous file untouched.
"""

import contextlib
import json
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path, suffix=None):
    """Yields a temporary path beside `path`; renames it onto `path` on success.

    Args:
        path: str or path-like. The destination; its directory is created if needed.
        suffix: str or None. Suffix of the temporary name (default: the destination's
            extension, which writers such as Keras and matplotlib need).

    Example:
    ```python
    with atomic_path("model.keras") as tmp:
        model.save(tmp)
    ```
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    suffix = os.path.splitext(path)[1] if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text(path, text):
    """Writes UTF-8 `text` to `path` atomically. Returns the path as a str."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return os.fspath(path)


def write_bytes(path, data):
    """Writes `data` to `path` atomically. Returns the path as a str."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return os.fspath(path)


def write_json(path, data, **dump_kwargs):
    """Writes `data` as indented JSON to `path` atomically. Returns the path as a str."""
    return write_text(path, json.dumps(data, indent=2, **dump_kwargs) + "\n")
