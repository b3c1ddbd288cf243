"""Batches of a sharded table straight from its files, as a `tf.data.Dataset` of raw columns.

Nothing is materialised: each worker opens its own shards (`Sharding`), `cycle_length`
of them at a time, interleaving their blocks; rows of the wanted split pass through a
shuffle buffer of `shuffle_buffer` rows (seeded by `(seed, epoch, worker)`, so a resumed
run sees the batches an uninterrupted one would) and leave as full batches of raw
columns (float32 numbers with NaN for missing, strings), exactly `steps` per epoch.
The model's `TabularPreprocessor` encodes them.

Example:
```python
table = TableFiles.from_path("shards/*.csv.gz", label_column="label", normal_label="normal")
scan = scan_tables(table)
dataset = table_dataset(table, scan, TRAIN, batch_size=256, epochs=10, seed=0)
vae.fit(dataset, epochs=10, steps_per_epoch=scan.steps(TRAIN, 256))
```
"""

import itertools

import numpy as np
import tensorflow as tf

from tfvae.column_kinds import NUMERIC
from tfvae.data.row_split import RowSplit, Sharding


def iter_split_blocks(
    table, scan, split, row_split=RowSplit(), sharding=Sharding(), shuffle_seed=None, cycle_length=4
):
    """Yields the `Block`s of one split's rows this worker reads (any length)."""
    n_files = len(table.files)
    files = sharding.files(n_files)
    if shuffle_seed is not None:
        files = list(np.random.default_rng(shuffle_seed).permutation(files))
    for block in _interleave(table, scan, files, cycle_length):
        codes = row_split.codes(block.file_index, block.lines, block.is_anomaly)
        keep = (codes == split) & sharding.mask(n_files, block.file_index, block.lines)
        if keep.any():
            yield block.take(keep)


def _interleave(table, scan, files, cycle_length):
    """Blocks of `files`, `cycle_length` shards open at once, taken in turn."""
    queue = iter(files)
    readers = []

    def open_next():
        file_index = next(queue, None)
        if file_index is None:
            return None
        return table.iter_blocks(scan.feature_specs, [file_index], scan.rows_per_file)

    for reader in itertools.islice(iter(open_next, None), cycle_length):
        readers.append(reader)
    while readers:
        for reader in list(readers):
            block = next(reader, None)
            if block is None:
                readers.remove(reader)
                following = open_next()
                if following is not None:
                    readers.append(following)
                continue
            yield block


def split_batches(
    table,
    scan,
    split,
    batch_size,
    steps,
    row_split=RowSplit(),
    sharding=Sharding(),
    seed=None,
    epoch=0,
    shuffle_buffer=65536,
    cycle_length=4,
):
    """Yields exactly `steps` batches (dict column -> array `[batch_size]`) of one epoch.

    Args:
        table: the `TableFiles`; scan: its `TableScan`.
        split: `TRAIN`, `VALIDATION` or `TEST`.
        batch_size: int. Rows per batch (per worker).
        steps: int. Batches to yield (at most the split's full batches, `scan.steps`).
        seed: int or None. Shuffles shard order and rows when given; file order otherwise.
        epoch: int. Mixed into the shuffle seed.
        shuffle_buffer: int. Rows mixed at once.

    Raises:
        RuntimeError: the files hold fewer rows than the scan counted (changed since).
    """
    shuffle_seed = None if seed is None else [seed, epoch, sharding.worker]
    rng = None if seed is None else np.random.default_rng(shuffle_seed)
    buffer_rows = max(int(shuffle_buffer), batch_size) if rng is not None else batch_size
    pending, emitted = None, 0
    blocks = iter_split_blocks(table, scan, split, row_split, sharding, shuffle_seed, cycle_length)
    for block in blocks:
        pending = block.columns if pending is None else _concat(pending, block.columns)
        n = _rows(pending)
        if n < buffer_rows:
            continue
        if rng is not None:
            pending = _take(pending, rng.permutation(n))
        keep = buffer_rows // 2 if rng is not None else 0
        ready = (n - keep) // batch_size * batch_size
        for start in range(0, ready, batch_size):
            yield _slice(pending, start, start + batch_size)
            emitted += 1
            if emitted == steps:
                return
        pending = _slice(pending, ready, n)
    if pending is not None and rng is not None:
        pending = _take(pending, rng.permutation(_rows(pending)))
    n = 0 if pending is None else _rows(pending)
    for start in range(0, n - batch_size + 1, batch_size):
        yield _slice(pending, start, start + batch_size)
        emitted += 1
        if emitted == steps:
            return
    if emitted < steps:
        raise RuntimeError(
            f"{table.files[0]}...: the table gave {emitted} batches, the statistics pass "
            f"counted {steps}; did the files change during training?"
        )


def table_dataset(
    table,
    scan,
    split,
    batch_size,
    steps=None,
    row_split=RowSplit(),
    sharding=Sharding(),
    seed=None,
    epochs=1,
    first_epoch=0,
    shuffle_buffer=65536,
):
    """A `tf.data.Dataset` of `steps` batches per epoch, epochs `first_epoch..epochs-1`.

    Arguments as `split_batches`; `steps` defaults to every full batch of the split.
    Elements are dicts column -> `[batch_size]` float32 / string tensors, in
    the order of `scan.specs` (what `TabularPreprocessor` takes).
    """
    steps = scan.steps(split, batch_size) if steps is None else steps

    def generate():
        for epoch in range(first_epoch, epochs):
            yield from split_batches(
                table,
                scan,
                split,
                batch_size,
                steps,
                row_split,
                sharding,
                seed,
                epoch,
                shuffle_buffer,
            )

    signature = {
        spec["name"]: tf.TensorSpec(
            [batch_size], tf.float32 if spec["kind"] == NUMERIC else tf.string
        )
        for spec in scan.feature_specs
    }
    dataset = tf.data.Dataset.from_generator(generate, output_signature=signature)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _rows(columns):
    return len(next(iter(columns.values())))


def _concat(a, b):
    return {name: np.concatenate([a[name], b[name]]) for name in a}


def _take(columns, order):
    return {name: values[order] for name, values in columns.items()}


def _slice(columns, start, stop):
    return {name: values[start:stop] for name, values in columns.items()}
