"""One streaming pass over a sharded table before training: checks, statistics, counts.

Every shard is read once, block by block: any row that cannot be read stops the run
here, naming its file and line, before a model is built; the `TabularPreprocessor`
statistics (means, scales, vocabularies) come from the normal rows that `fit` sees
(train and validation); and the rows of each split are counted per worker, so that
every worker knows, without talking to the others, how many steps an epoch has.
"""

import dataclasses
import typing

import numpy as np
import pandas as pd

from tfvae.column_kinds import NUMERIC
from tfvae.data.row_split import TEST, TRAIN, VALIDATION, RowSplit, Sharding
from tfvae.preprocessing.column_stats import TableStats
from tfvae.preprocessing.tabular_preprocessor import TabularPreprocessor


@dataclasses.dataclass
class TableScan:
    """What the pass found.

    Attributes:
        specs: list of dict. The `TabularPreprocessor` column specs (statistics inside).
        rows_per_file: list of int. Rows read from each shard (`max_rows` applied).
        counts: int array `[workers, 3]`: rows per worker and split (train, validation, test).
        n_anomalies: int or None. Labelled anomalies (all in the test split); None unlabelled.
    """

    specs: list
    rows_per_file: list
    counts: np.ndarray
    n_anomalies: typing.Optional[int]

    @property
    def feature_specs(self):
        return [{"name": spec["name"], "kind": spec["kind"]} for spec in self.specs]

    def preprocessor(self, name="tabular_preprocessor"):
        return TabularPreprocessor(self.specs, name=name)

    def steps(self, split, batch_size):
        """Full batches of `batch_size` every worker has in `split` (the fewest any has)."""
        return int(self.counts[:, split].min()) // int(batch_size)

    def describe(self):
        totals = self.counts.sum(axis=0)
        return {
            "n_train": int(totals[TRAIN]),
            "n_validation": int(totals[VALIDATION]),
            "n_test": int(totals[TEST]),
            "n_test_anomalies": self.n_anomalies,
            "n_files": len(self.rows_per_file),
            "rows_per_worker": [int(n) for n in self.counts.sum(axis=1)],
            "kind": "table",
        }


def scan_tables(
    table,
    row_split=RowSplit(),
    workers=1,
    log_transform="auto",
    max_tokens=None,
    min_frequency=1,
    scaling="standard",
):
    """Reads every shard of `table` once; see the module docstring.

    Args:
        table: a `TableFiles`.
        row_split: a `RowSplit`.
        workers: int. Readers the rows will be shared among (`Sharding`).
        log_transform, max_tokens, min_frequency, scaling: as
            `TabularPreprocessor.from_dataframe`.

    Returns:
        A `TableScan`.

    Raises:
        ValueError: a different header, an unreadable row, a value that is not a
            number in a numeric column, inf, an empty shard, a truncated gzip; each
            names the file (and line).
    """
    kinds = table.kinds()
    feature_specs = [{"name": name, "kind": kind} for name, kind in kinds.items()]
    numeric = [name for name, kind in kinds.items() if kind == NUMERIC]
    stats = TableStats(kinds)
    shardings = [Sharding(worker, workers) for worker in range(workers)]
    n_files = len(table.files)
    counts = np.zeros((workers, 3), dtype=np.int64)
    rows_per_file = [0] * n_files
    n_anomalies = 0
    total = 0
    for block in table.iter_blocks(feature_specs):
        if table.max_rows and total + len(block.lines) > table.max_rows:
            block = block.take(np.arange(len(block.lines)) < table.max_rows - total)
        _check_finite(block, numeric, table.files[block.file_index])
        codes = row_split.codes(block.file_index, block.lines, block.is_anomaly)
        fitted = codes != TEST
        if fitted.any():
            stats.add(pd.DataFrame({name: block.columns[name][fitted] for name in kinds}))
        for worker, sharding in enumerate(shardings):
            mine = sharding.mask(n_files, block.file_index, block.lines)
            counts[worker] += np.bincount(codes[mine], minlength=3)
        if block.is_anomaly is not None:
            n_anomalies += int(block.is_anomaly.sum())
        rows_per_file[block.file_index] += len(block.lines)
        total += len(block.lines)
        if table.max_rows and total >= table.max_rows:
            break
    for index, path in enumerate(table.files):
        if rows_per_file[index] == 0 and not (table.max_rows and total >= table.max_rows):
            raise ValueError(f"{path} has no data rows.")
    if stats.n_rows == 0:
        raise ValueError(f"{table.files[0]}: no normal rows to train on.")
    specs = stats.specs(log_transform, max_tokens, min_frequency, scaling)
    return TableScan(
        specs, rows_per_file, counts, None if table.label_column is None else n_anomalies
    )


def _check_finite(block, numeric, path):
    for name in numeric:
        bad = np.isinf(block.columns[name])
        if bad.any():
            line = int(block.lines[np.flatnonzero(bad)[0]])
            raise ValueError(
                f"{path}, line {line}: column {name!r} is infinite; replace it by a number "
                "or leave it empty (missing)."
            )
