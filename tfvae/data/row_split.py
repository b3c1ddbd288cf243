"""Which rows of a sharded table train, validate or test, and which worker reads them.

Both are pure functions of a row's place `(file index, line)`: no pass over the data
decides them, every worker and every epoch agrees, and a table larger than memory is
split without holding it. A row's split comes from a 64-bit hash of `(seed, file, line)`
mapped to [0, 1); every anomaly (labelled row that is not normal) goes to the test split.
"""

import dataclasses

import numpy as np

TRAIN, VALIDATION, TEST = 0, 1, 2
SPLIT_NAMES = ("train", "validation", "test")


def _mix(x):
    """SplitMix64's finaliser over a uint64 array (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def row_uniforms(seed, file_index, lines):
    """Uniform [0, 1) numbers fixed by `(seed, file_index, line)`, one per line."""
    with np.errstate(over="ignore"):
        key = _mix(np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15)) + np.uint64(file_index)
        x = _mix(_mix(np.full(len(lines), key, dtype=np.uint64)) + lines.astype(np.uint64))
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


@dataclasses.dataclass(frozen=True)
class RowSplit:
    """Train / validation / test assignment of normal rows; anomalies are tested.

    Args:
        seed: int.
        validation_fraction: float. Share of normal rows held out for validation loss,
            early stopping and threshold calibration.
        test_fraction: float. Share of normal rows tested (only when rows are labelled).
    """

    seed: int = 0
    validation_fraction: float = 0.1
    test_fraction: float = 0.2

    def codes(self, file_index, lines, is_anomaly=None):
        """`TRAIN`/`VALIDATION`/`TEST` per row."""
        u = row_uniforms(self.seed, file_index, lines)
        codes = np.full(len(lines), TRAIN, dtype=np.int8)
        codes[u < self.validation_fraction] = VALIDATION
        if is_anomaly is not None:
            tested = (u >= self.validation_fraction) & (
                u < self.validation_fraction + self.test_fraction
            )
            codes[tested | is_anomaly] = TEST
        return codes


@dataclasses.dataclass(frozen=True)
class Sharding:
    """The rows one of `workers` readers takes: whole files when there are at least as
    many files as workers, every `workers`-th line of each file otherwise."""

    worker: int = 0
    workers: int = 1

    def by_file(self, n_files):
        return n_files >= self.workers

    def files(self, n_files):
        """The file indices this worker opens."""
        if self.by_file(n_files):
            return list(range(self.worker, n_files, self.workers))
        return list(range(n_files))

    def mask(self, n_files, file_index, lines):
        """Which of the `lines` of `file_index` this worker takes."""
        if self.by_file(n_files):
            return np.full(len(lines), file_index % self.workers == self.worker)
        return (lines + file_index) % self.workers == self.worker
