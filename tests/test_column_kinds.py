"""The column vocabulary: kinds inferred from dtypes, overrides checked, no pandas at import."""

import subprocess
import sys

import pandas as pd
import pytest

from tfvae.column_kinds import CATEGORICAL, KINDS, NUMERIC, infer_kind, infer_kinds


def test_kinds_follow_the_dtypes_and_the_overrides():
    frame = pd.DataFrame(
        {
            "count": [1, 2],
            "ratio": [0.5, 1.5],
            "flag": [True, False],
            "protocol": ["tcp", "udp"],
            "zone": pd.Categorical(["a", "b"]),
            "code": [10, 20],
        }
    )
    assert infer_kinds(frame, categorical=["code"]) == {
        "count": NUMERIC,
        "ratio": NUMERIC,
        "flag": NUMERIC,
        "protocol": CATEGORICAL,
        "zone": CATEGORICAL,
        "code": CATEGORICAL,
    }
    assert infer_kinds(frame[["count", "protocol"]], numeric=["protocol"])["protocol"] == NUMERIC
    assert infer_kind(pd.Series([1j]).dtype) == CATEGORICAL
    assert set(KINDS) == {NUMERIC, CATEGORICAL}


@pytest.mark.parametrize(
    "frame, overrides, message",
    [
        ([[1, 2]], {}, "Expected a pandas DataFrame"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), {}, "repeated: ['a']"),
        (pd.DataFrame({"a": [1]}), {"numeric": ["b"]}, "'b' (given as an override)"),
        (
            pd.DataFrame({"a": [1]}),
            {"numeric": ["a"], "categorical": ["a"]},
            "both categorical and numeric",
        ),
    ],
)
def test_bad_tables_and_overrides_are_named(frame, overrides, message):
    with pytest.raises(ValueError) as error:
        infer_kinds(frame, **overrides)
    assert message in str(error.value)


def test_importing_the_vocabulary_imports_neither_pandas_nor_tensorflow():
    code = (
        "import sys\n"
        "sys.argv = ['tfvae']  # as the console script starts\n"
        "import tfvae.column_kinds\n"
        "assert not {'pandas', 'numpy', 'tensorflow'} & set(sys.modules), sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
