"""Sharded tables read from their files: listing, checks, split, shards, batches."""

import gzip

import numpy as np
import pandas as pd
import pytest

from tfvae.data.row_split import TEST, TRAIN, VALIDATION, RowSplit, Sharding
from tfvae.data.table_files import TableFiles, list_table_files
from tfvae.data.table_scan import scan_tables
from tfvae.data.table_stream import split_batches, table_dataset


def _frame(n, start=0, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "row_id": np.arange(start, start + n, dtype=float),
            "size": rng.lognormal(size=n).round(3),
            "proto": rng.choice(["tcp", "udp", "icmp"], size=n),
            "label": np.where(np.arange(n) % 10 == 9, "attack", "normal"),
        }
    )


def _shards(folder, n_files=3, rows=200):
    folder.mkdir(exist_ok=True)
    for index in range(n_files):
        _frame(rows, start=index * rows, seed=index).to_csv(
            folder / f"part-{index}.csv", index=False
        )
    return folder


def _table(path, **kwargs):
    return TableFiles.from_path(path, label_column="label", normal_label="normal", **kwargs)


def test_a_folder_a_glob_and_a_file_list_their_shards(tmp_path):
    folder = _shards(tmp_path / "t")
    (folder / "notes.txt").write_text("not a table")
    assert [p.rsplit("/", 1)[1] for p in list_table_files(folder)] == [
        "part-0.csv",
        "part-1.csv",
        "part-2.csv",
    ]
    assert len(list_table_files(str(folder / "part-[01].csv"))) == 2
    assert list_table_files(folder / "part-2.csv") == [str(folder / "part-2.csv")]
    with pytest.raises(FileNotFoundError, match="No file matches"):
        list_table_files(str(folder / "*.parquet"))


def test_scan_counts_every_row_once_and_keeps_anomalies_for_the_test(tmp_path):
    table = _table(_shards(tmp_path / "t"))
    scan = scan_tables(table, RowSplit(seed=0, validation_fraction=0.2, test_fraction=0.1))
    assert scan.counts.sum() == 600 and scan.n_anomalies == 60
    assert scan.counts[0, TEST] >= 60
    assert 0.1 < scan.counts[0, VALIDATION] / 540 < 0.3
    kinds = {spec["name"]: spec["kind"] for spec in scan.specs}
    assert kinds == {"row_id": "numeric", "size": "numeric", "proto": "categorical"}
    assert sorted(scan.specs[2]["vocabulary"]) == ["icmp", "tcp", "udp"]


@pytest.mark.parametrize("n_files", [4, 1])  # by file (4 >= 2 workers), by record (1 < 2)
def test_two_workers_together_read_every_training_row_once_per_epoch(tmp_path, n_files):
    table = _table(_shards(tmp_path / "t", n_files=n_files, rows=800 // n_files))
    split = RowSplit(seed=1, validation_fraction=0.2, test_fraction=0.1)
    scan = scan_tables(table, split, workers=2)
    everything = scan_tables(table, split)
    seen = []
    for worker in range(2):
        steps = int(scan.counts[worker, TRAIN])  # batches of one row: every row of the share
        for batch in split_batches(
            table, scan, TRAIN, 1, steps, split, Sharding(worker, 2), seed=3
        ):
            seen.append(int(batch["row_id"][0]))
    assert len(seen) == len(set(seen)) == everything.counts[0, TRAIN]
    assert abs(int(scan.counts[0, TRAIN]) - int(scan.counts[1, TRAIN])) < 100


def test_epochs_are_shuffled_differently_and_replay_the_same(tmp_path):
    table = _table(_shards(tmp_path / "t"))
    scan = scan_tables(table, RowSplit())

    def order(epoch):
        batches = split_batches(
            table, scan, TRAIN, 16, 20, RowSplit(), seed=5, epoch=epoch, shuffle_buffer=64
        )
        return np.concatenate([b["row_id"] for b in batches])

    assert len(order(0)) == 320 and len(set(order(0))) == 320
    np.testing.assert_array_equal(order(1), order(1))  # a resumed epoch sees the same rows
    assert not np.array_equal(order(0), order(1))
    assert not np.array_equal(np.sort(order(0)), order(0))  # rows are mixed


def test_table_dataset_gives_exact_steps_of_raw_columns(tmp_path):
    table = _table(_shards(tmp_path / "t"))
    scan = scan_tables(table, RowSplit())
    steps = scan.steps(TRAIN, 32)
    batches = list(table_dataset(table, scan, TRAIN, 32, seed=0, epochs=3, first_epoch=1))
    assert len(batches) == 2 * steps
    assert batches[0]["proto"].dtype.name == "string" and batches[0]["size"].shape == (32,)
    assert "label" not in batches[0]


def test_max_rows_reads_the_first_rows_only(tmp_path):
    table = _table(_shards(tmp_path / "t"), max_rows=250)
    scan = scan_tables(table, RowSplit())
    assert scan.counts.sum() == 250 and scan.rows_per_file == [200, 50, 0]


def _expect_error(tmp_path, match, write):
    tmp_path.mkdir(exist_ok=True)
    folder = _shards(tmp_path / "bad")
    write(folder)
    with pytest.raises(ValueError, match=match):
        scan_tables(_table(folder), RowSplit())


def test_a_shard_with_another_header_is_named(tmp_path):
    def write(folder):
        _frame(5).drop(columns="size").to_csv(folder / "part-3.csv", index=False)

    _expect_error(tmp_path, r"part-3.csv: header .* differs from .*part-0.csv", write)


def test_a_text_in_a_numeric_column_names_file_and_line(tmp_path):
    def write(folder):
        frame = _frame(20).astype({"size": object})
        frame.loc[6, "size"] = "big"
        frame.to_csv(folder / "part-1.csv", index=False)

    _expect_error(tmp_path, r"part-1.csv, line 8: column 'size': 'big' is not a number", write)


def test_an_empty_shard_is_named(tmp_path):
    def write(folder):
        (folder / "part-3.csv").write_text("row_id,size,proto,label\n")

    _expect_error(tmp_path, r"part-3.csv has no data rows", write)


def test_a_truncated_gzip_shard_is_named(tmp_path):
    def write(folder):
        data = gzip.compress(_frame(2000).to_csv(index=False).encode())
        (folder / "part-3.csv.gz").write_bytes(data[: len(data) // 2])

    _expect_error(tmp_path, r"part-3.csv.gz is not a valid gzip file", write)


def test_a_ragged_row_and_inf_name_their_lines(tmp_path):
    def ragged(folder):
        with open(folder / "part-2.csv", "a") as f:
            f.write("1,2\n")

    _expect_error(tmp_path / "a", r"part-2.csv, line 202: expected 4 fields, found 2", ragged)

    def infinite(folder):
        frame = _frame(20)
        frame.loc[3, "size"] = np.inf
        frame.to_csv(folder / "part-0.csv", index=False)

    _expect_error(tmp_path / "b", r"part-0.csv, line 5: column 'size' is infinite", infinite)


def test_parquet_shards_read_like_csv(tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    for index in range(2):
        _frame(100, start=100 * index).to_parquet(folder / f"p{index}.parquet")
    scan = scan_tables(_table(folder), RowSplit())
    assert scan.counts.sum() == 200 and scan.n_anomalies == 20


def test_scan_statistics_match_the_in_memory_preprocessor(tmp_path):
    from table_helpers import mixed_frame

    from tfvae.preprocessing import TabularPreprocessor

    frame = mixed_frame(300)
    folder = tmp_path / "t"
    folder.mkdir()
    frame.iloc[:120].to_csv(folder / "a.csv", index=False)
    frame.iloc[120:].to_csv(folder / "b.csv", index=False)
    # Unlabelled, nothing tested: every row is fitted, as `from_dataframe` fits them all.
    scan = scan_tables(TableFiles.from_path(folder), RowSplit(test_fraction=0.0))
    whole = TabularPreprocessor.from_dataframe(frame)
    for got, want in zip(scan.specs, whole.columns):
        assert got["kind"] == want["kind"] and got.get("vocabulary") == want.get("vocabulary")
        if got["kind"] == "numeric":
            assert got["mean"] == pytest.approx(want["mean"], rel=1e-5)
            assert got["scale"] == pytest.approx(want["scale"], rel=1e-4)


def test_statistics_leave_out_the_test_rows(tmp_path):
    # A category seen only in anomalies (all tested) is not in the vocabulary.
    frame = _frame(300)
    frame["proto"] = np.where(frame["label"] == "attack", "icmp", "tcp")
    (tmp_path / "t").mkdir()
    frame.to_csv(tmp_path / "t" / "a.csv", index=False)
    scan = scan_tables(_table(tmp_path / "t"), RowSplit(test_fraction=0.0))
    assert scan.specs[2]["vocabulary"] == ["tcp"]
