"""KDD Cup 1999 (10% file): the 41 raw columns plus `label`, and the classic VAE split.

The package never downloads: pass the path of `kddcup.data_10_percent.gz` (a copy
sits in `../shared/data/kddcup99/` for developers).
"""

import gzip
import os
import zlib

import numpy as np
import pandas as pd

#: The 41 feature columns, in file order (as in `kddcup.names`).
COLUMNS = (
    "duration protocol_type service flag src_bytes dst_bytes land wrong_fragment urgent hot "
    "num_failed_logins logged_in num_compromised root_shell su_attempted num_root "
    "num_file_creations num_shells num_access_files num_outbound_cmds is_host_login "
    "is_guest_login count srv_count serror_rate srv_serror_rate rerror_rate srv_rerror_rate "
    "same_srv_rate diff_srv_rate srv_diff_host_rate dst_host_count dst_host_srv_count "
    "dst_host_same_srv_rate dst_host_diff_srv_rate dst_host_same_src_port_rate "
    "dst_host_srv_diff_host_rate dst_host_serror_rate dst_host_srv_serror_rate "
    "dst_host_rerror_rate dst_host_srv_rerror_rate"
).split()
#: The string-valued columns; every other feature column is numeric.
CATEGORICAL = ("protocol_type", "service", "flag")
LABEL = "label"
NORMAL = "normal."


def read_names(names_path):
    """Feature column names from a `kddcup.names` file (`name: type.` lines)."""
    if not os.path.exists(names_path):
        raise FileNotFoundError(f"No such KDD Cup names file: {names_path}")
    with open(names_path) as handle:
        lines = handle.read().splitlines()[1:]
    names = [line.split(":")[0].strip() for line in lines if ":" in line]
    if len(names) != len(COLUMNS):
        raise ValueError(f"{names_path} lists {len(names)} columns; expected {len(COLUMNS)}.")
    return names


def load_kddcup99(path, names_path=None):
    """Reads the KDD Cup 99 file into a DataFrame of 41 raw columns plus `label`.

    Args:
        path: str. `kddcup.data_10_percent.gz` (or the uncompressed file).
        names_path: str or None. `kddcup.names`; by default the one beside `path`
            when present, else the built-in `COLUMNS`.

    Returns:
        DataFrame: `protocol_type`, `service`, `flag` and `label` as strings (labels
        keep their trailing dot, e.g. `"normal."`), the other 38 columns numeric.

    Raises:
        FileNotFoundError: `path` or `names_path` is missing.
        ValueError: corrupt gzip, wrong column count or non-numeric values (naming the file).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"No such KDD Cup 99 file: {path} (the package never downloads it)."
        )
    if names_path is None:
        beside = os.path.join(os.path.dirname(os.path.abspath(path)), "kddcup.names")
        names = read_names(beside) if os.path.exists(beside) else list(COLUMNS)
    else:
        names = read_names(os.fspath(names_path))
    dtypes = {name: (str if name in CATEGORICAL else np.float64) for name in names}
    dtypes[LABEL] = str
    try:
        frame = pd.read_csv(
            path,
            header=None,
            names=names + [LABEL],
            dtype=dtypes,
            compression="gzip" if path.endswith(".gz") else None,
        )
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as error:
        raise ValueError(
            f"{path} is not a valid gzip file (corrupt or truncated): {error}"
        ) from error
    except pd.errors.EmptyDataError as error:
        raise ValueError(f"{path} is empty.") from error
    except (ValueError, pd.errors.ParserError) as error:
        raise ValueError(
            f"{path} does not parse as KDD Cup 99 rows ({len(names) + 1} fields): {error}"
        ) from error
    if len(frame) == 0:
        raise ValueError(f"{path} has no rows.")
    if frame[LABEL].isna().any():
        line = int(np.flatnonzero(frame[LABEL].isna().to_numpy())[0]) + 1
        raise ValueError(f"{path}: line {line} has fewer than {len(names) + 1} fields.")
    return frame


def classic_split(frame, seed=0):
    """The split of the classic Keras VAE write-up on this data set.

    Train on the first 80% of the `normal.` rows (file order); test on the other 20%
    of normal rows plus as many attack rows, drawn uniformly without replacement
    with a fixed `seed` (kept in file order).

    Args:
        frame: DataFrame from `load_kddcup99`.
        seed: int. Seed of the attack sample.

    Returns:
        `(train_df, test_df, y_test)`: feature frames without the label, and 0/1 labels
        (1 = attack) for `test_df`.
    """
    if LABEL not in frame.columns:
        raise ValueError(f"Expected a `{LABEL}` column (use load_kddcup99).")
    is_normal = (frame[LABEL] == NORMAL).to_numpy()
    normal_idx = np.flatnonzero(is_normal)
    attack_idx = np.flatnonzero(~is_normal)
    n_train = int(0.8 * len(normal_idx))
    test_normal = normal_idx[n_train:]
    if len(attack_idx) < len(test_normal):
        raise ValueError(f"Only {len(attack_idx)} attack rows; the split needs {len(test_normal)}.")
    rng = np.random.default_rng(seed)
    test_attack = np.sort(rng.choice(attack_idx, size=len(test_normal), replace=False))
    features = frame.drop(columns=[LABEL])
    train = features.iloc[normal_idx[:n_train]].reset_index(drop=True)
    test = features.iloc[np.concatenate([test_normal, test_attack])].reset_index(drop=True)
    y_test = np.r_[np.zeros(len(test_normal), np.int64), np.ones(len(test_attack), np.int64)]
    return train, test, y_test


def kddcup99_table(path, max_rows=0):
    """The KDD Cup 99 file as a `TableFiles` (raw columns, read in blocks, never whole).

    Args:
        path: str. `kddcup.data_10_percent.gz` (or another file of the same format), or
            the folder holding it.
        max_rows: int. Read at most this many rows (0: all).
    """
    from tfvae.data.table_files import TableFiles

    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "kddcup.data_10_percent.gz")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such KDD Cup 99 file: {path}")
    beside = os.path.join(os.path.dirname(os.path.abspath(path)), "kddcup.names")
    names = read_names(beside) if os.path.exists(beside) else list(COLUMNS)
    return TableFiles(
        files=(path,),
        column_names=(*names, LABEL),
        label_column=LABEL,
        normal_label=NORMAL,
        categorical=CATEGORICAL,
        max_rows=max_rows,
    )
