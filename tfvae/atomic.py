"""Atomic file writes: a temporary file beside the target, renamed into place.

Readers (a TF Serving watcher, a resumed run, a user's shell) never see a
half-written file, and a failed write leaves the previous file untouched.
`tempfile.mkstemp`/`mkdtemp` create private files (0600) and folders (0700); what
is published gets the mode a plain `open`/`mkdir` would give under the process umask,
so a TF Serving process running as another user can read an export.
"""

import contextlib
import json
import os
import tempfile


def current_umask():
    """The process umask (read from /proc on Linux, else set and restored)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def apply_umask(path):
    """Gives `path` (and, for a folder, everything under it) the umask's default modes.

    Files get `0o666 & ~umask` (keeping any execute bits for the same classes), folders
    `0o777 & ~umask`: the modes `open` and `mkdir` would have given them.
    """
    mask = current_umask()

    def fix(entry, is_dir):
        if is_dir:
            os.chmod(entry, 0o777 & ~mask)
        else:
            mode = os.stat(entry).st_mode & 0o777
            os.chmod(entry, (0o666 | (mode & 0o111)) & ~mask)

    if os.path.isdir(path) and not os.path.islink(path):
        for root, folders, files in os.walk(path):
            fix(root, True)
            for name in files:
                if not os.path.islink(os.path.join(root, name)):
                    fix(os.path.join(root, name), False)
    else:
        fix(path, False)
    return path


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
        apply_umask(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def refuse_existing(folder, names, flag="--overwrite"):
    """Raises `FileExistsError` naming the files of `names` already in `folder`.

    Called by commands before any expensive work, so a rerun never replaces a
    user's results unless they pass `flag`.
    """
    present = [name for name in names if os.path.exists(os.path.join(folder, name))]
    if present:
        raise FileExistsError(
            f"{folder} already holds {', '.join(present)}; pass {flag} to replace "
            f"{'it' if len(present) == 1 else 'them'}, or choose another folder."
        )


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
