"""The run folder of `tfvae train`: created by the run, resumed, or replaced with `--overwrite`.

The publishing rule of every command (`tfvae.atomic`) applied to a folder that a run
fills over hours: a run writes only into a folder it created (`os.mkdir`, which of two
racing runs only one wins), into the unfinished run of the same config (resumed), or
into an empty folder; it holds a lock on that folder while it runs, so a second run on
the same `--out` stops with a message instead of writing beside it. `--overwrite`
replaces only a folder that holds a previous run and nothing else: the new run is built
in a hidden sibling and swapped in when finished. A run that fails removes the folder
it created; one interrupted (Ctrl-C, a kill) keeps it, to resume.
"""

import contextlib
import json
import os
import shutil

from tfvae import atomic
from tfvae.quoting import clean
from tfvae.training import artifacts
from tfvae.training import config as config_lib

RUN_ENTRIES = frozenset(artifacts.RUN_FILES + artifacts.RUN_FOLDERS)
_WHO = "another `tfvae train` run"


def _saved_config(folder):
    """The config dict a run saved in `folder`, or None when there is none (or not one)."""
    try:
        with open(os.path.join(folder, "config.json")) as f:
            saved = json.load(f)
    except (OSError, ValueError):
        return None
    if isinstance(saved, dict) and set(saved) <= set(config_lib.SECTIONS):
        return saved
    return None


def is_run(folder):
    """True if `folder` holds a `tfvae train` run (finished or not) and nothing else."""
    if not os.path.isdir(folder) or os.path.islink(folder):
        return False
    entries = set(os.listdir(folder))
    return bool(entries) and entries <= RUN_ENTRIES and _saved_config(folder) is not None


def _other_entries(folder):
    return sorted(set(os.listdir(folder)) - RUN_ENTRIES)


def check(out_dir, config, overwrite):
    """Refuses, before any work, an `out_dir` the run may not write into. Touches nothing.

    Returns:
        The folder the run will write in (`target_dir`), decided now: every worker of
        a multi-worker run decides before the chief writes anything.

    Raises:
        FileExistsError: `out_dir` is a file; holds files that are not a run; holds
            a finished run, or an unfinished one of another config, without `overwrite`.
    """
    shown = clean(out_dir)
    if not os.path.lexists(out_dir):
        return out_dir
    if not os.path.isdir(out_dir):
        raise FileExistsError(f"--out {shown} is a file, not a run folder; not replacing it.")
    if not os.listdir(out_dir):
        return out_dir
    if not is_run(out_dir):
        entries = _other_entries(out_dir) or sorted(os.listdir(out_dir))
        listed = ", ".join(clean(name, 40) for name in entries[:3])
        raise FileExistsError(
            f"--out {shown} holds files that are not a tfvae run ({listed}"
            f"{', ...' if len(entries) > 3 else ''}); "
            + (
                "--overwrite replaces a previous run only."
                if overwrite
                else "a run writes into a folder it creates."
            )
            + " Choose an --out that does not exist."
        )
    if overwrite:
        return target_dir(out_dir, overwrite)
    if os.path.exists(os.path.join(out_dir, "metrics.json")):
        raise FileExistsError(
            f"{shown} already holds a finished run (metrics.json). Pass --overwrite to "
            "replace it, or choose another --out."
        )
    if _saved_config(out_dir) != config_lib.to_dict(config):
        raise FileExistsError(
            f"{shown} holds an unfinished run with a different config; rerun it with the "
            "same config to resume, or pass --overwrite to start again."
        )
    return out_dir


def staging_dir(out_dir):
    """Where `--overwrite` builds the new run: a hidden sibling of `out_dir`.

    The name is fixed (all workers of a multi-worker run agree on it, and a killed
    `--overwrite` run resumes from its backup there when rerun with the same config).
    """
    parent, name = os.path.split(os.path.abspath(out_dir))
    return os.path.join(parent, f".{name}.overwrite")


def target_dir(out_dir, overwrite):
    """The folder the run writes in: `out_dir`, or `staging_dir` when it replaces a run."""
    return staging_dir(out_dir) if overwrite and is_run(out_dir) else out_dir


def _clear(folder):
    for entry in os.listdir(folder):
        path = os.path.join(folder, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


def _reusable(folder, config, stale_ok):
    """Whether a folder found at the moment of claiming may be written into.

    Empty, or holding only the `workers` folder other workers of this run made, or an
    unfinished run of this config; with `stale_ok` (the hidden staging folder) also a
    run of another config, which is cleared.
    """
    entries = set(os.listdir(folder))
    if entries <= {"workers"}:
        return True
    if not is_run(folder):
        return False
    if _saved_config(folder) == config_lib.to_dict(config):
        return not os.path.exists(os.path.join(folder, "metrics.json"))
    if stale_ok:  # a killed --overwrite run of another config: start again
        _clear(folder)
        return True
    return False


def _claim(folder, config, stale_ok, shown_out):
    """Creates (or reuses) and locks `folder`.

    Returns:
        `(lock, fresh, created)`: the lock's descriptor; whether the run starts from an
        empty folder (its contents are then all this run's); whether it created it.
    """
    try:
        os.mkdir(folder)
        created = True
    except FileExistsError:
        created = False
    try:
        lock = atomic.lock_folder(folder, _WHO)
    except FileExistsError:
        raise FileExistsError(
            f"--out {shown_out} is being written by {_WHO}; wait for it to finish, or choose "
            "another --out."
        ) from None
    fresh = created or set(os.listdir(folder)) <= {"workers"}
    if not created and not _reusable(folder, config, stale_ok):
        if lock is not None:
            os.close(lock)
        raise FileExistsError(
            f"--out {shown_out} was created by someone else while this run prepared; not "
            "writing into it. Choose another --out."
        )
    return lock, fresh or not os.listdir(folder), created


@contextlib.contextmanager
def claimed(out_dir, target, config, chief=True):
    """Yields `target`, the folder to write the run in, holding it until it is published.

    Args:
        out_dir: str. The `--out` folder.
        target: str. What `check` returned: `out_dir`, or the staging folder of a run
            that replaces the one in `out_dir` (swapped in when the block ends).
        config: the `TrainConfig` (a folder holding its unfinished run is resumed).
        chief: bool. Only the chief claims, cleans up and publishes; other workers of
            a multi-worker run write below the folder the chief claims.

    Raises:
        FileExistsError: another run holds the folder, or it appeared meanwhile, or
            (when publishing) `out_dir` no longer holds only a run.
    """
    if not chief:
        yield target
        return
    shown = clean(out_dir)
    locks = []
    with (
        atomic.output_errors(out_dir),
        atomic.new_folders(os.path.dirname(os.path.abspath(target))),
    ):
        if target != out_dir and os.path.isdir(
            out_dir
        ):  # the run it replaces: not resumed meanwhile
            locks.append(atomic.lock_folder(out_dir, _WHO))
        try:
            lock, fresh, created = _claim(target, config, target != out_dir, shown)
            locks.append(lock)
            try:
                yield target
            except BaseException as error:
                if fresh and not isinstance(error, KeyboardInterrupt):
                    # Everything in it is this run's (a resumed run keeps its backup).
                    if created:
                        shutil.rmtree(target, ignore_errors=True)
                    else:
                        _clear(target)
                raise
            if target != out_dir:
                _swap_in(target, out_dir)
        finally:
            for fd in locks:
                if fd is not None:
                    os.close(fd)


def _swap_in(staging, out_dir):
    """Replaces the previous run in `out_dir` by the finished `staging` run.

    Checked again at this moment: `out_dir` must still hold a run and nothing else.
    """
    retired = None
    if os.path.lexists(out_dir):
        if not is_run(out_dir):
            raise FileExistsError(
                f"{clean(out_dir)} changed during the run and holds files that are not a tfvae "
                f"run; not replacing it. The new run is in {clean(staging)}."
            )
        retired = f"{staging}.replaced-{os.getpid()}"
        os.rename(out_dir, retired)
    try:
        atomic.rename_no_replace(staging, out_dir)
    except FileExistsError:
        kept = f" The previous run is in {clean(retired)}." if retired else ""
        raise FileExistsError(
            f"{clean(out_dir)} appeared while the run finished; not replacing it. The new "
            f"run is in {clean(staging)}.{kept}"
        ) from None
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
