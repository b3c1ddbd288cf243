"""The output files of `tfvae beam-score`: one naming scheme, written aside, published at the end.

`<prefix>-scores-SSSSS-of-NNNNN.<format>` and `<prefix>-dead_letter-SSSSS-of-NNNNN.<format>`.
The prefix is taken literally: glob characters in it are refused (Beam's file sinks would
read them as patterns). Beam writes the shards, under their final names, into a hidden
folder beside the outputs (removed whatever happens); only when the job has succeeded
are they published, by the rule every tfvae command follows (`tfvae.atomic`): each
without replacing a file that exists by then unless `overwrite` is set, the ones already
published taken back if one cannot be. `overwrite` also removes the older shards of
exactly this prefix and scheme (another shard count), and nothing else. Object stores
(`gs://`) have no rename that refuses to replace: there each name is checked just before
its move (a file appearing in between is replaced).
"""

import contextlib
import dataclasses
import io
import os
import re
import uuid

import apache_beam as beam
import pyarrow.csv as pa_csv
from apache_beam.io.filesystems import FileSystems

from tfvae import atomic
from tfvae.quoting import clean

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


@dataclasses.dataclass
class Staged:
    """What `staged` yields: `prefix`, where the job writes its shards (in the staging
    folder, under the names they are published with), and `outputs`, the published
    paths (sorted), filled in once the block has succeeded."""

    prefix: str
    outputs: list = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def staged(prefix, output_format, overwrite=False):
    """A hidden folder beside the outputs for the job to write into; its shards are
    published at `prefix` when the `with` body succeeds, and it is removed whatever happens.

    Args:
        prefix: str. The output prefix (checked with `check_prefix`).
        output_format: `"parquet"` or `"csv"`.
        overwrite: bool. Replace files at the shards' names, and remove this prefix's
            other shards of the scheme after publishing.

    Yields:
        A `Staged`: write the shards at `<staged.prefix>-<kind>-...`.

    Raises:
        FileExistsError: without `overwrite`, a file exists at a shard's name when it is
            published (the shards published before it are taken back).
        OSError: the disk is full or the folder read-only (naming the output folder).

    Example:
    ```python
    with staged("runs/day1/scores", "parquet") as out:
        run_job(output_prefix=out.prefix)  # writes <out.prefix>-scores-00000-of-00001.parquet
    out.outputs  # ['runs/day1/scores-scores-00000-of-00001.parquet']
    ```
    """
    folder, base = FileSystems.split(prefix)
    if _is_local(prefix):
        # One publishing rule: `staged_folder` publishes every entry of the folder with
        # `atomic.publish` (no-replace rename, or `os.replace` with `overwrite`).
        with atomic.staged_folder(folder, overwrite) as staging:
            result = Staged(os.path.join(staging, base))
            yield result
            names = _shards(staging, prefix, output_format)
    else:
        with _store_staging(folder) as staging:
            result = Staged(FileSystems.join(staging, base))
            yield result
            names = _shards(staging, prefix, output_format)
            _store_publish(staging, folder, names, overwrite)
    # As the user wrote the prefix (a local folder from `FileSystems.split` is absolute).
    result.outputs = [prefix + name[len(base) :] for name in names]
    if overwrite:  # compared by name, for the same reason
        stale = [p for p in existing_outputs(prefix, output_format) if _name(p) not in names]
        if stale:
            FileSystems.delete(stale)


def _name(path):
    return FileSystems.split(path)[1]


def _shards(staging, prefix, output_format):
    """Names of the shards in `staging`; anything else there (a temporary folder a Beam
    sink failed to delete) is removed first, so that only shards are published."""
    scheme = _scheme(prefix, output_format)
    names, others = [], []
    for path in _listing(staging):
        (names if scheme.fullmatch(_name(path)) else others).append(path)
    if others:
        FileSystems.delete(others)
    return sorted(_name(path) for path in names)


@contextlib.contextmanager
def _store_staging(folder):
    """A new folder beside the outputs on an object store; removed on exit."""
    staging = FileSystems.join(folder, f".tfvae-beam-{uuid.uuid4().hex[:12]}")
    FileSystems.mkdirs(staging)
    try:
        yield staging
    finally:
        with contextlib.suppress(Exception):
            FileSystems.delete([staging + "/"])


def _store_publish(staging, folder, names, overwrite):
    """Moves the shards `names` from `staging` into `folder` on an object store, each after
    checking its name is free (unless `overwrite`); on a name taken by then, the shards
    moved so far go back and `FileExistsError` names it."""
    done = []
    try:
        for name in names:
            source, target = FileSystems.join(staging, name), FileSystems.join(folder, name)
            if FileSystems.exists(target):
                if not overwrite:
                    raise FileExistsError(
                        f"{clean(target)} appeared while the job ran; not replacing it. Pass "
                        "--overwrite to replace it, or choose another prefix."
                    )
                FileSystems.delete([target])
            FileSystems.rename([source], [target])
            done.append((source, target))
    except FileExistsError:
        for source, target in done:  # our own files go back: the outputs stay as they were
            FileSystems.rename([target], [source])
        raise


def write_blocks(tables, prefix, kind, schema, output_format):
    """Writes a PCollection of pyarrow tables (blocks) to `<prefix>-<kind>-SSSSS-of-NNNNN.*`."""
    path = f"{prefix}-{kind}"
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
