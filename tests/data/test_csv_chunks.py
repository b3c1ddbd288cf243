import gzip

import numpy as np
import pytest

from tfvae.data.csv_chunks import iter_chunks, read_header, typed_columns

SPECS = [{"name": "a", "kind": "numeric"}, {"name": "b", "kind": "categorical"}]


def _write(path, text):
    path.write_text(text)
    return path


def test_chunks_carry_line_numbers_and_report_bad_rows(tmp_path):
    path = _write(tmp_path / "t.csv", "a,b\n1,x\n2,y,extra\n,z\noops,w\n5,\n")
    chunks = list(iter_chunks(path, chunk_rows=2))
    columns, lines, errors = zip(*(typed_columns(c, SPECS) for c in chunks))
    all_lines = np.concatenate(lines)
    np.testing.assert_array_equal(all_lines, [2, 4, 6])
    messages = dict(e for errs in errors for e in errs)
    assert set(messages) == {3, 5}
    assert "expected 2 fields" in messages[3] and "'oops' is not a number" in messages[5]
    a = np.concatenate([c["a"] for c in columns])
    assert a[0] == 1.0 and np.isnan(a[1]) and a[2] == 5.0  # empty field = missing
    assert list(np.concatenate([c["b"] for c in columns])) == ["x", "z", ""]


def test_reading_is_lazy(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w") as handle:
        handle.write("a,b\n" + "".join(f"{i},x\n" for i in range(5000)))
    chunks = iter_chunks(path, chunk_rows=100)
    first = next(chunks)
    assert len(first.frame) == 100
    # The rest of the file is not read until asked for: break it and the first chunk
    # is already out, the failure only appears further on.
    path.write_text("a,b\n1,x\n")
    remaining = sum(len(c.frame) for c in chunks)
    assert remaining < 4900


def test_empty_and_corrupt_files_raise_naming_the_file(tmp_path):
    empty = _write(tmp_path / "empty.csv", "")
    with pytest.raises(ValueError, match="empty.csv is empty"):
        read_header(empty)
    corrupt = tmp_path / "bad.csv.gz"
    data = gzip.compress(b"a,b\n" + b"1,x\n" * 1000)
    corrupt.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="bad.csv.gz is not a valid gzip file"):
        list(iter_chunks(corrupt))
    not_gzip = _write(tmp_path / "plain.csv.gz", "a,b\n1,x\n")
    with pytest.raises(ValueError, match="plain.csv.gz is not a valid gzip file"):
        read_header(not_gzip)
    with pytest.raises(FileNotFoundError, match="nowhere.csv"):
        read_header(tmp_path / "nowhere.csv")
