"""The output files of `tfvae beam-score`: one naming scheme, written aside, published at the end.

`<prefix>-scores-SSSSS-of-NNNNN.<format>` and `<prefix>-dead_letter-SSSSS-of-NNNNN.<format>`.
The prefix is taken literally: glob characters in it are refused (Beam's file sinks would
read them as patterns). Beam writes the shards into a hidden temporary folder beside the
outputs (`.tfvae-beam-<random>`, removed whatever happens); only when the job has
succeeded are they moved to their names, each without replacing a file that exists by
then unless `overwrite` is set; `overwrite` also removes the older shards of exactly
this prefix and scheme (another shard count), and nothing else.
"""

import contextlib
import io
import os
import re
import shutil
import uuid

import apache_beam as beam
import pyarrow.csv as pa_csv
from apache_beam.io.filesystems import FileSystems

KINDS = ("scores", "dead_letter")
FORMATS = ("parquet", "csv")
_GLOB = re.compile(r"[*?\[\]{}]")


def check_prefix(prefix):
    """Refuses an output prefix Beam or a shell would not take literally.

    Raises:
        ValueError: glob characters in it, or no file name part (`runs/`).
    """
    if _GLOB.search(prefix):
        raise ValueError(
            "Expected `--output` to be a literal prefix without glob characters (* ? [ ] { }). "
            f"Received: output={prefix!r}. Name the output without them."
        )
    if not FileSystems.split(prefix)[1]:
        raise ValueError(
            "Expected `--output` to end in a file name prefix (e.g. runs/day1/scores). "
            f"Received: output={prefix!r}"
        )
    return prefix


def _scheme(prefix, output_format):
    name = re.escape(FileSystems.split(prefix)[1])
    kinds = "|".join(KINDS)
    return re.compile(rf"{name}-({kinds})-\d{{5}}-of-\d{{5}}\.{re.escape(output_format)}")


def _is_local(path):
    return "://" not in path


def _listing(folder):
    """Paths directly in `folder` (not below it)."""
    if _is_local(folder):
        folder = folder or "."
        if not os.path.isdir(folder):
            return []
        return [os.path.join(folder, entry) for entry in os.listdir(folder)]
    found = FileSystems.match([FileSystems.join(folder, "*")])[0].metadata_list
    return [m.path for m in found if FileSystems.split(m.path)[0].rstrip("/") == folder.rstrip("/")]


def existing_outputs(prefix, output_format):
    """Paths of the files of this prefix's naming scheme that exist now, sorted."""
    folder, _ = FileSystems.split(prefix)
    scheme = _scheme(prefix, output_format)
    return sorted(p for p in _listing(folder) if scheme.fullmatch(FileSystems.split(p)[1]))


@contextlib.contextmanager
def staging_folder(prefix):
    """A new hidden folder beside the outputs for Beam to write into; removed on exit."""
    folder, _ = FileSystems.split(prefix)
    staging = FileSystems.join(folder or ".", f".tfvae-beam-{uuid.uuid4().hex[:12]}")
    FileSystems.mkdirs(staging)
    try:
        yield staging
    finally:
        if _is_local(staging):
            shutil.rmtree(staging, ignore_errors=True)
        else:
            with contextlib.suppress(Exception):
                FileSystems.delete([staging + "/"])


def write_blocks(tables, staging, kind, schema, output_format):
    """Writes a PCollection of pyarrow tables (blocks) to `<staging>/<kind>-SSSSS-of-NNNNN.*`."""
    path = FileSystems.join(staging, kind)
    if output_format == "parquet":
        return tables | f"Write {kind}" >> beam.io.WriteToParquetBatched(
            path, schema, file_name_suffix=".parquet"
        )
    return (
        tables
        | f"Format {kind}" >> beam.Map(_csv_text)
        | f"Write {kind}"
        >> beam.io.WriteToText(path, file_name_suffix=".csv", header=",".join(schema.names))
    )


def _csv_text(table):
    """A block as CSV lines (no header, no final line end: the text sink adds one)."""
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
    return buffer.getvalue().decode("utf-8").rstrip("\n")


def publish(staging, prefix, output_format, overwrite):
    """Moves the shards Beam wrote in `staging` to their names at `prefix`.

    Without `overwrite`, a file that exists at a target name by now is never replaced:
    the shards moved so far are taken back and `FileExistsError` is raised. With it,
    the targets are replaced and the other files of this prefix's scheme removed.

    Returns:
        The published paths, sorted.
    """
    moves = []
    for path in _listing(staging):
        name = FileSystems.split(path)[1]
        if any(name.startswith(f"{kind}-") for kind in KINDS):
            moves.append((path, f"{prefix}-{name}"))
    done = []
    try:
        for source, target in sorted(moves):
            _move(source, target, overwrite)
            done.append((source, target))
    except FileExistsError:
        for source, target in done:  # our own files go back: the outputs stay as they were
            FileSystems.rename([target], [source])
        raise
    published = sorted(target for _, target in done)
    if overwrite:
        stale = sorted(set(existing_outputs(prefix, output_format)) - set(published))
        if stale:
            FileSystems.delete(stale)
    return published


def _move(source, target, overwrite):
    if _is_local(target):
        if overwrite:
            os.replace(source, target)
            return
        try:
            os.link(source, target)  # fails if the target exists: no window to replace it
        except FileExistsError:
            raise FileExistsError(_appeared(target)) from None
        except OSError:  # a filesystem without hard links: check, then rename
            if os.path.lexists(target):
                raise FileExistsError(_appeared(target)) from None
            os.rename(source, target)
            return
        os.remove(source)
        return
    if FileSystems.exists(target):  # object stores have no rename that refuses to replace
        if not overwrite:
            raise FileExistsError(_appeared(target))
        FileSystems.delete([target])
    FileSystems.rename([source], [target])


def _appeared(target):
    return f"{target} appeared while the job ran; not replacing it (pass --overwrite to)."
