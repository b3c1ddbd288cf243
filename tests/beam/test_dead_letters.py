import gzip

import pytest

beam = pytest.importorskip("apache_beam")

from apache_beam.testing.util import assert_that, equal_to  # noqa: E402
from beam_helpers import score_tables  # noqa: E402

#: One bad line of each kind (after a good line 2), and the start of its one reason.
BAD_LINES = [
    (b"1,x,y,4", "column 'b': 'x' is not a number (and 1 more bad value(s) in the row)"),
    (b"1,2", "expected 4 fields, found 2"),
    (b"\xff\xfe\x00garbage,2,3,4", "not UTF-8 text: byte 0xff at column 1"),
    (b'1,"2,3,4', "a quoted field is not closed"),
    (b"x" * 1_000_000, "expected 4 fields, found 1"),
    (b"1,2,3," + b"z" * 1_000_000, "column 'd': 'zzzz"),
    (b"1,2\r3,4", "a carriage return inside the line"),
    (b"1,\x1b[31mred,3,4", "column 'b': '\\x1b[31mred' is not a number"),
]


def _lines(good, bad_lines):
    """A CSV of `good` rows with the bad lines in between; `(bytes, {line: reason})`."""
    rows, expected = [b"a,b,c,d"], {}
    for i in range(good):
        rows.append(b"%d,%d,%d,%d" % (i, i + 1, i + 2, i + 3))
        if i < len(bad_lines):
            rows.append(bad_lines[i][0])
            expected[len(rows)] = bad_lines[i][1]
    return b"\n".join(rows) + b"\n", expected


def _reasons(expected):
    def check(records):
        found = {record["line"]: record["reason"] for record in records}
        assert len(found) == len(records)  # exactly one record per bad line
        assert sorted(found) == sorted(expected)
        for line, start in expected.items():
            assert found[line].startswith(start), (line, found[line])
            assert len(found[line]) <= 200 and "\x1b" not in found[line]

    return check


@pytest.mark.parametrize("block_bytes", [1 << 20, 64])
def test_one_dead_letter_per_bad_row_of_each_kind(tmp_path, numeric, block_bytes):
    _, _, version_dir = numeric
    data, expected = _lines(20, BAD_LINES)
    # The last line has an unclosed quote and no line end: nothing after it to swallow.
    data += b'5,6,"7,8'
    last = data.count(b"\n") + 1
    expected[last] = "a quoted field is not closed"
    (tmp_path / "dirty.csv").write_bytes(data)
    pipeline, rows, dead = score_tables(
        [str(tmp_path / "dirty.csv")], version_dir, block_bytes=block_bytes
    )
    assert_that(dead, _reasons(expected))
    good = [line for line in range(2, last + 1) if line not in expected]
    assert_that(rows | beam.Map(lambda row: row["line"]), equal_to(good), label="scored lines")
    pipeline.run().wait_until_finish()


def test_a_garbage_line_and_unreadable_files_in_the_middle_of_a_job(tmp_path, numeric):
    _, _, version_dir = numeric
    data, _ = _lines(30, [])
    lines = data.split(b"\n")
    garbage = bytes(range(256)) * 4  # every byte value, line ends included
    (tmp_path / "part-0.csv").write_bytes(data)
    (tmp_path / "part-1.csv").write_bytes(b"\n".join(lines[:10] + [garbage] + lines[10:]))
    (tmp_path / "part-2.csv.gz").write_bytes(b"not gzip at all")
    (tmp_path / "part-3.parquet").write_bytes(b"PAR1 broken PAR1")
    truncated = gzip.compress(_lines(3000, [])[0])
    (tmp_path / "part-4.csv.gz").write_bytes(truncated[: len(truncated) // 2])
    pipeline, rows, dead = score_tables([str(tmp_path / "part-*")], version_dir, block_bytes=256)

    def check(records):
        by_file = {}
        for record in records:
            by_file.setdefault(record["file"].rsplit("/", 1)[-1], []).append(record)
        assert sorted(by_file) == ["part-1.csv", "part-2.csv.gz", "part-3.parquet", "part-4.csv.gz"]
        # The garbage holds line ends: its pieces are bad lines, each one record.
        assert all(r["line"] >= 11 for r in by_file["part-1.csv"])
        for name in ("part-2.csv.gz", "part-3.parquet"):
            [record] = by_file[name]
            assert record["line"] is None and record["reason"].startswith("the file cannot be read")
        [record] = by_file["part-4.csv.gz"]
        assert record["line"] > 2 and "from line" in record["reason"]

    assert_that(dead, check)
    files = rows | beam.Map(lambda row: row["file"].rsplit("/", 1)[-1]) | beam.Distinct()
    assert_that(files, equal_to(["part-0.csv", "part-1.csv", "part-4.csv.gz"]), label="scored")
    pipeline.run().wait_until_finish()
