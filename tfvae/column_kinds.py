"""What tfvae says about a table column: its kind (numeric or categorical) and the missing token.

TF-free and pandas-free at import (pandas is imported inside `infer_kind(s)`), so the
readers, the preprocessing, Beam and the `tfvae` commands share one vocabulary.
"""

NUMERIC = "numeric"
CATEGORICAL = "categorical"
KINDS = (NUMERIC, CATEGORICAL)
#: Token that stands for a missing category (NaN/None in pandas, empty field in a CSV).
MISSING_TOKEN = ""


def infer_kind(dtype):
    """`"numeric"` for numbers and booleans, `"categorical"` for strings/objects/categories."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(dtype):
        return NUMERIC
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return NUMERIC
    return CATEGORICAL


def infer_kinds(df, categorical=None, numeric=None):
    """Column name -> kind, from dtypes with overrides; errors name unknown columns."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"Expected a pandas DataFrame. Received {type(df).__name__}.")
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"Column names must be unique; repeated: {dupes}.")
    categorical, numeric = list(categorical or []), list(numeric or [])
    for override in categorical + numeric:
        if override not in names:
            raise ValueError(
                f"Column {override!r} (given as an override) is not in the table {names}."
            )
    both = set(categorical) & set(numeric)
    if both:
        raise ValueError(f"Columns {sorted(both)} are listed as both categorical and numeric.")
    kinds = {}
    for column, dtype in df.dtypes.items():
        name = str(column)
        kinds[name] = (
            CATEGORICAL
            if name in categorical
            else NUMERIC
            if name in numeric
            else infer_kind(dtype)
        )
    return kinds
