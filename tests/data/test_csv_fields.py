import gzip

import numpy as np
import pandas as pd
import pytest

from tfvae.data.csv_fields import Chunk, typed_columns
from tfvae.data.table_reader import iter_table_batches, read_header

SPECS = [{"name": "a", "kind": "numeric"}, {"name": "b", "kind": "categorical"}]


def _write(path, text):
    path.write_text(text)
    return path


def test_bad_values_become_errors_naming_their_lines():
    frame = pd.DataFrame({"a": ["1", "", "oops", "5"], "b": ["x", "z", "w", ""]})
    chunk = Chunk(frame, np.asarray([2, 4, 5, 6]), [(3, "expected 2 fields, found 3")])
    columns, lines, errors = typed_columns(chunk, SPECS)
    np.testing.assert_array_equal(lines, [2, 4, 6])
    messages = dict(errors)
    assert set(messages) == {3, 5}
    assert "expected 2 fields" in messages[3] and "'oops' is not a number" in messages[5]
    assert columns["a"][0] == 1.0 and np.isnan(columns["a"][1]) and columns["a"][2] == 5.0
    assert list(columns["b"]) == ["x", "z", ""]


def test_empty_and_corrupt_files_raise_naming_the_file(tmp_path):
    empty = _write(tmp_path / "empty.csv", "")
    with pytest.raises(ValueError, match="empty.csv is empty"):
        read_header(empty)
    corrupt = tmp_path / "bad.csv.gz"
    data = gzip.compress(b"a,b\n" + b"1,x\n" * 1000)
    corrupt.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="bad.csv.gz is not a valid gzip file"):
        list(iter_table_batches(corrupt, SPECS))
    not_gzip = _write(tmp_path / "plain.csv.gz", "a,b\n1,x\n")
    with pytest.raises(ValueError, match="plain.csv.gz is not a valid gzip file"):
        read_header(not_gzip)
    with pytest.raises(FileNotFoundError, match="nowhere.csv"):
        read_header(tmp_path / "nowhere.csv")


def test_each_bad_line_is_one_error_whatever_is_wrong(tmp_path):
    bad = [b"oops,x,7", b"\xff\xfe,x", b'1,"x', b"1,x\r2,y", b"z" * 100_000 + b",x"]
    rows = [b"a,b"]
    for line in bad:
        rows += [b"1,x", line]
    path = tmp_path / "dirty.csv"
    path.write_bytes(b"\n".join(rows + [b"2,y"]) + b"\n")
    batches = list(iter_table_batches(path, SPECS, block_bytes=64))
    errors = [error for batch in batches for error in batch.errors]
    assert [line for line, _ in errors] == [3, 5, 7, 9, 11]
    assert all(len(message) <= 200 for _, message in errors)
    assert "'oops' is not a number" not in errors[0][1]  # a wrong width is its first problem
    assert errors[4][1].startswith("column 'a': 'zzzz")  # the long value quoted, its middle cut
    assert "zzz...zzz" in errors[4][1] and errors[4][1].endswith("zzz' is not a number")
    lines = np.concatenate([batch.lines for batch in batches])
    assert lines.tolist() == [2, 4, 6, 8, 10, 12]


def test_an_overlong_line_is_skipped_as_it_is_read_and_offsets_stay_exact(monkeypatch):
    import io

    from tfvae.data import table_reader

    monkeypatch.setattr(table_reader, "MAX_LINE_BYTES", 1000)
    data = b"a,b\n" + b"1,x\n" * 300 + b"9" * 5000 + b"\n" + b"2,y\n" * 300
    header, pieces = table_reader.split_csv(io.BytesIO(data), "t.csv", block_bytes=256)
    pieces = list(pieces)
    assert header == ["a", "b"]
    for first, offset, piece in pieces:  # Beam's workers re-read blocks by these offsets
        if piece is not None:
            assert data[offset : offset + len(piece)] == piece
            assert data[:offset].count(b"\n") + 1 == first
    batches = [table_reader.parse_csv_piece(p, f, header, SPECS) for f, _, p in pieces]
    assert [e for b in batches for e in b.errors] == [(302, "line longer than 1000 bytes, skipped")]
    lines = np.concatenate([b.lines for b in batches])
    assert lines.tolist() == list(range(2, 302)) + list(range(303, 603))
