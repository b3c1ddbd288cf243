"""Publishing what a command writes: never over a path it did not create, unless asked.

Every command that writes (`train`, `score`, `evaluate`, `demo`, `export`) follows
one rule: it writes into a temporary file or folder beside the destination and
publishes it at the end with a rename that fails if the destination exists by then
(`rename_no_replace`), unless the user passed `--overwrite`. So a file the user made
meanwhile is never replaced, and of two runs racing to the same new path exactly one
publishes; the other gets a `FileExistsError` naming the path. Readers (a TF Serving
watcher, a resumed run, a user's shell) never see a half-written file, and a failed
write leaves nothing behind (`atomic_path`, `staged_folder`, `new_folders`).

`tempfile.mkstemp`/`mkdtemp` create private files (0600) and folders (0700); what is
published gets the mode a plain `open`/`mkdir` would give under the process umask, so
a TF Serving process running as another user can read an export. A write that fails
because the disk is full or the folder is read-only is reported naming the
destination, not the temporary file (`output_errors`).
"""

import contextlib
import ctypes
import errno
import json
import os
import shutil
import sys
import tempfile

from tfvae.quoting import clean


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


_RENAME_NOREPLACE = 1  # linux/fs.h
_AT_FDCWD = -100  # linux/fcntl.h
_NO_FLAG_SUPPORT = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


def _renameat2():
    """glibc's `renameat2` (Linux, glibc >= 2.28), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def _with_errno(error, code):
    """`error` (built from its message alone, so it prints without "[Errno N]") with `errno`."""
    error.errno = code
    return error


def _exists_error(path):
    return _with_errno(
        FileExistsError(
            f"{clean(path)} exists (it appeared while this command ran?); not replacing it. Pass "
            "--overwrite to replace it, or choose another path."
        ),
        errno.EEXIST,
    )


def rename_no_replace(source, target):
    """Renames `source` (file or folder) to `target`, failing if `target` exists.

    The check and the rename are one step (`renameat2(RENAME_NOREPLACE)` on Linux;
    `os.link` + `os.unlink` for files elsewhere), so of two processes publishing to
    the same path exactly one succeeds. Where neither exists (a folder on a
    filesystem without `RENAME_NOREPLACE`, off Linux), the target is checked just
    before `os.rename`, which never replaces a non-empty folder.

    Args:
        source: str or path-like. What to publish.
        target: str or path-like. Where; must not exist.

    Raises:
        FileExistsError: `target` exists (message names it).

    Example:
    ```python
    rename_no_replace("scores.csv.tmp", "scores.csv")
    ```
    """
    source, target = os.fspath(source), os.fspath(target)
    function = _renameat2()
    if function is not None:
        result = function(
            _AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), _RENAME_NOREPLACE
        )
        if result == 0:
            return
        code = ctypes.get_errno()
        if code == errno.EEXIST:
            raise _exists_error(target)
        if code not in _NO_FLAG_SUPPORT:
            raise OSError(code, os.strerror(code), source, None, target)
    if not os.path.isdir(source) or os.path.islink(source):
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            raise _exists_error(target) from None
        except OSError:  # no hard links here (FAT, some network filesystems)
            pass
        else:
            os.unlink(source)
            return
    if os.path.lexists(target):
        raise _exists_error(target)
    try:
        os.rename(source, target)
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
            raise _exists_error(target) from None
        raise


def publish(tmp, path, overwrite=False):
    """Gives `tmp` the umask's modes and moves it to `path`.

    Args:
        tmp: str. A file or folder this run wrote (beside `path`, same filesystem).
        path: str. The destination.
        overwrite: bool. Replace a file at `path` (`os.replace`); otherwise
            `rename_no_replace`.

    Returns:
        `path`.

    Raises:
        FileExistsError: `path` exists and `overwrite` is False.
    """
    apply_umask(tmp)
    if overwrite:
        os.replace(tmp, path)
    else:
        rename_no_replace(tmp, path)
    return path


#: errno values that only a write can give (a full disk, a read-only filesystem).
_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)
_ACCESS_ERRNOS = (errno.EACCES, errno.EPERM)


def _write_errno(error, path):
    """The errno of a failed write of `path` (absolute), or None for any other error.

    Also reads TensorFlow and pyarrow errors, which carry the reason in their text.
    "Permission denied" counts only when the error names `path`, a path inside it (a
    folder) or a temporary file beside it: the same words about an input are not
    about the output.
    """
    text = str(error)
    code = getattr(error, "errno", None)
    if code is None:
        code = next((c for c in _WRITE_ERRNOS + _ACCESS_ERRNOS if os.strerror(c) in text), None)
    if code in _WRITE_ERRNOS:
        return code
    if code not in _ACCESS_ERRNOS:
        return None
    named = [getattr(error, "filename", None), getattr(error, "filename2", None)]
    named = [os.path.abspath(os.fsdecode(n)) for n in named if isinstance(n, (str, bytes))]
    beside = os.path.join(os.path.dirname(path), ".tmp-")
    ours = (path, os.path.join(path, ""), beside)
    if any(n == path or n.startswith(ours[1:]) for n in named) or any(p in text for p in ours):
        return code
    return None


@contextlib.contextmanager
def output_errors(path):
    """Re-raises a write that failed (disk full, read-only or forbidden folder) naming `path`.

    The low-level error names a temporary file, or nothing ("[Errno 28] Error writing
    bytes to file"); the user needs the output they asked for.

    Example:
    ```python
    with output_errors("scores.csv"), atomic_path("scores.csv") as tmp:
        write(tmp)
    ```
    """
    path = os.fspath(path)
    try:
        yield
    except Exception as error:
        code = _write_errno(error, os.path.abspath(path))
        if code is None:
            raise
        hint = (
            "Free some space or choose another output."
            if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
            else "Choose an output in a folder you can write to."
        )
        message = f"Cannot write {clean(path)}: {os.strerror(code)}. {hint}"
        raise _with_errno(OSError(message), code) from error


@contextlib.contextmanager
def new_folders(path):
    """Creates the missing folders of `path` (a folder); removes them again on failure.

    Yields:
        The list of folders created, outermost first (empty when `path` existed).
    """
    path = os.path.abspath(os.fspath(path))
    missing = []
    while not os.path.lexists(path) and path != os.path.dirname(path):
        missing.append(path)
        path = os.path.dirname(path)
    created = []
    try:
        for folder in reversed(missing):
            os.mkdir(folder)
            created.append(folder)
        yield created
    except BaseException:
        for folder in reversed(created):
            try:
                os.rmdir(folder)  # only if empty: what others put there stays
            except OSError:
                break
        raise


@contextlib.contextmanager
def atomic_path(path, suffix=None, overwrite=True):
    """Yields a temporary path beside `path`; publishes it onto `path` on success.

    Args:
        path: str or path-like. The destination; its missing folders are created
            (and removed again if the write fails).
        suffix: str or None. Suffix of the temporary name (default: the destination's
            extension, which writers such as Keras and matplotlib need).
        overwrite: bool. Replace an existing `path`. With False, `path` is published
            only if it does not exist at that moment (`rename_no_replace`).

    Raises:
        FileExistsError: `overwrite` is False and `path` exists when publishing.
        OSError: the write failed (disk full, read-only folder), naming `path`.

    Example:
    ```python
    with atomic_path("model.keras") as tmp:
        model.save(tmp)
    ```
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1] if suffix is None else suffix
    with output_errors(path), new_folders(directory):
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=suffix)
        os.close(fd)
        try:
            yield tmp
            publish(tmp, path, overwrite)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


@contextlib.contextmanager
def staged_folder(out_dir, overwrite=False):
    """Yields a private folder whose entries are published into `out_dir` on success.

    For commands that write several files into one folder (`evaluate`, `demo`): each
    entry is published with `publish`, so without `overwrite` none replaces a file
    that exists by then; if one cannot be published, those published before it are
    removed again (they did not exist before), so the folder is as it was. On any
    failure the staging folder, and the folders created for it, are removed.

    Args:
        out_dir: str. The destination folder (created if missing).
        overwrite: bool. Replace files of the same names in `out_dir`.

    Yields:
        str. The staging folder (hidden, inside `out_dir`, so renames stay on one
        filesystem).

    Raises:
        FileExistsError: an entry exists in `out_dir` (and `overwrite` is False).
    """
    out_dir = os.fspath(out_dir)
    with output_errors(out_dir), new_folders(out_dir):
        staging = tempfile.mkdtemp(dir=out_dir, prefix=".tmp-")
        try:
            yield staging
            published = []
            try:
                for name in sorted(os.listdir(staging)):
                    target = os.path.join(out_dir, name)
                    existed = os.path.lexists(target)
                    publish(os.path.join(staging, name), target, overwrite)
                    if not existed:
                        published.append(target)
            except BaseException:
                for target in published:
                    os.remove(target)
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def lock_folder(path, what):
    """Takes an exclusive lock on the folder `path` for as long as the process runs.

    The lock goes with the process: a killed run leaves none behind. Without
    `fcntl` (Windows) nothing is locked.

    Args:
        path: str. An existing folder.
        what: str. Who else may hold it, for the message ("another `tfvae train`").

    Returns:
        The open descriptor holding the lock (close it to release), or None.

    Raises:
        FileExistsError: another process holds the lock.
    """
    try:
        import fcntl
    except ImportError:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        message = f"{clean(path)} is being written by {what}; wait for it or choose another path."
        raise _with_errno(FileExistsError(message), errno.EEXIST) from None
    return fd


def check_output(out_path, inputs, overwrite):
    """Refuses, before scoring, an output that is a folder, an input, or exists (no `overwrite`).

    Publishing checks again (`atomic_path` without `overwrite` never replaces a file
    that appears meanwhile); this check only saves the work of a run that cannot publish.
    """
    shown = clean(out_path)
    if os.path.isdir(out_path) or out_path.endswith(("/", os.sep)):
        raise ValueError(f"The output {shown} is a folder; name the output file.")
    for path in inputs:
        if os.path.exists(path) and os.path.exists(out_path) and os.path.samefile(path, out_path):
            raise ValueError(
                f"The output {shown} is the input {clean(path)}: choose another output path."
            )
    if os.path.lexists(out_path) and not overwrite:
        raise FileExistsError(f"{shown} exists already; pass --overwrite to replace it.")


def refuse_existing(folder, names, flag="--overwrite"):
    """Raises `FileExistsError` naming the files of `names` already in `folder`.

    Called by commands before any expensive work, so a rerun never replaces a
    user's results unless they pass `flag` (publishing checks again: `staged_folder`).
    A `folder` that is a file is refused too.
    """
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise FileExistsError(f"{clean(folder)} is a file, not a folder; not replacing it.")
    present = [name for name in names if os.path.exists(os.path.join(folder, name))]
    if present:
        raise FileExistsError(
            f"{clean(folder)} already holds {', '.join(present)}; pass {flag} to replace "
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
