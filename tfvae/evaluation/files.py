"""Atomic writes: a temporary file in the target directory, then a rename."""

import json
import os
import tempfile


def write_text(path, text):
    """Writes `text` to `path` atomically (readers never see a half-written file).

    Args:
        path: str or path-like. Destination; its directory is created if needed.
        text: str. UTF-8 content.

    Returns:
        The path as a str.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def write_json(path, data):
    """Writes `data` as indented JSON to `path` atomically. Returns the path."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
