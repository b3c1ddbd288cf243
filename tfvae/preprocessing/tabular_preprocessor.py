"""Raw table columns (numbers and strings, with missing values) -> one float32 matrix."""

import keras
import tensorflow as tf

from tfvae.atomic import write_json
from tfvae.column_kinds import CATEGORICAL, KINDS, NUMERIC, infer_kinds
from tfvae.preprocessing.column_stats import TableStats

SPEC_FORMAT = "tfvae.tabular/1"
OOV_LABEL = "<unknown>"


@keras.saving.register_keras_serializable(package="tfvae")
class TabularPreprocessor(keras.layers.Layer):
    """Encodes a dict of raw columns into the float32 features a VAE reconstructs.

    Numeric columns are (optionally) log-transformed, scaled with a Keras
    `Normalization` layer (standardised, or min-max to [0, 1]), and, when missing values were seen in training, imputed
    with the training mean plus a 0/1 missing indicator. A NaN in a column that had
    no missing values in training stays NaN, so the row is scored as invalid rather
    than silently imputed. Categorical columns go through a `StringLookup` one-hot
    encoding with one out-of-vocabulary slot (first in the block) for categories not
    seen in training; a missing category is the empty string.

    All vocabularies and statistics live in the config (no weights), so the layer
    survives `.keras` save/load with `safe_mode=True`.

    Args:
        columns: list of dict. One spec per raw column, in input order, as built by
            `from_dataframe` (keys: `name`, `kind`, `dtype`, and `log`, `center`,
            `scale`, `fill`, `missing_indicator` for numeric columns or `vocabulary` for
            categorical ones).
        **kwargs: base `Layer` arguments.

    Example:
    ```python
    pre = TabularPreprocessor.from_dataframe(df_train)
    vae = VAE(DenseEncoder(8), DenseDecoder(pre.output_dim), preprocessor=pre)
    ```
    """

    def __init__(self, columns, **kwargs):
        super().__init__(**kwargs)
        self.columns = _check_columns(columns)
        numeric = [c for c in self.columns if c["kind"] == NUMERIC]
        self.normalization = None
        if numeric:
            self.normalization = keras.layers.Normalization(
                mean=[c["center"] for c in numeric],
                variance=[c["scale"] ** 2 for c in numeric],
                name="normalization",
            )
            # Built now, eagerly: its mean/variance become constants that a VAE may
            # first use inside a traced `train_step` (a graph-built constant would leak).
            self.normalization.build((None, len(numeric)))
        self.lookups = {
            c["name"]: keras.layers.StringLookup(
                vocabulary=list(c["vocabulary"]),
                num_oov_indices=1,
                mask_token=None,
                output_mode="one_hot",
                name=f"lookup_{_safe(c['name'])}",
            )
            for c in self.columns
            if c["kind"] == CATEGORICAL
        }

    @classmethod
    def from_dataframe(
        cls,
        df,
        categorical=None,
        numeric=None,
        log_transform="auto",
        max_tokens=None,
        min_frequency=1,
        scaling="standard",
        name="tabular_preprocessor",
    ):
        """Builds a preprocessor adapted on a training DataFrame.

        Args:
            df: pandas DataFrame of raw training rows.
            categorical: list of str or None. Columns forced to categorical (their
                values are read as strings); others are inferred from the dtype
                (object/string/category -> categorical, numbers/bools -> numeric).
            numeric: list of str or None. Columns forced to numeric.
            log_transform: `"auto"` (non-negative heavy-tailed columns, e.g. byte
                counts), True (every numeric column), False, or a list of columns.
            max_tokens: int or None. Keep at most this many categories per column.
            min_frequency: int. Categories seen fewer times go to the OOV slot.
            scaling: str. `"standard"` (mean 0, variance 1) or `"minmax"` (training
                range to [0, 1]) for numeric columns, after the log transform.
            name: str. Layer name.

        Returns:
            An adapted `TabularPreprocessor`.
        """
        kinds = infer_kinds(df, categorical, numeric)
        stats = TableStats(kinds).add(df)
        return cls(stats.specs(log_transform, max_tokens, min_frequency, scaling), name=name)

    @classmethod
    def from_stats(
        cls,
        stats,
        log_transform="auto",
        max_tokens=None,
        min_frequency=1,
        scaling="standard",
        name="tabular_preprocessor",
    ):
        """Builds a preprocessor from a `TableStats` fed chunk by chunk (large files)."""
        return cls(stats.specs(log_transform, max_tokens, min_frequency, scaling), name=name)

    # ---- what other modules read ------------------------------------------------
    @property
    def column_names(self):
        return [c["name"] for c in self.columns]

    @property
    def output_dim(self):
        return sum(len(indices) for _, indices in self.feature_groups())

    def input_signature(self):
        """Dict column name -> `tf.TensorSpec([None], dtype, name=name)`."""
        return {
            c["name"]: tf.TensorSpec(
                [None], tf.string if c["kind"] == CATEGORICAL else tf.float32, name=c["name"]
            )
            for c in self.columns
        }

    def feature_groups(self):
        """List of `(column name, [encoded feature indices])`, in column order."""
        groups, start = [], 0
        for column in self.columns:
            width = _width(column)
            groups.append((column["name"], list(range(start, start + width))))
            start += width
        return groups

    def encoded_names(self):
        """Names of the encoded features (`"col"`, `"col:missing"`, `"col=value"`)."""
        names = []
        for c in self.columns:
            if c["kind"] == NUMERIC:
                names += [c["name"]] + ([f"{c['name']}:missing"] if c["missing_indicator"] else [])
            else:
                names += [f"{c['name']}={OOV_LABEL}"] + [
                    f"{c['name']}={v}" for v in c["vocabulary"]
                ]
        return names

    def feature_spec(self):
        """JSON-ready description: columns, kinds, vocabularies, statistics, encoding."""
        return {
            "format": SPEC_FORMAT,
            "columns": [dict(c) for c in self.columns],
            "n_encoded": self.output_dim,
            "encoded_names": self.encoded_names(),
            "groups": {name: indices for name, indices in self.feature_groups()},
        }

    def save_feature_spec(self, path):
        """Writes `feature_spec()` as JSON to `path`, atomically."""
        return write_json(path, self.feature_spec())

    # ---- Keras ------------------------------------------------------------------
    def build(self, input_shape):
        if isinstance(input_shape, dict):
            _check_keys(self.column_names, input_shape.keys())
        for lookup in self.lookups.values():
            lookup.build((None,))
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, dict):
            raise ValueError(
                "TabularPreprocessor takes a dict of raw columns (name -> [batch] tensor). "
                f"Received {type(inputs).__name__}."
            )
        _check_keys(self.column_names, inputs.keys())
        numeric = [c for c in self.columns if c["kind"] == NUMERIC]
        filled, indicators = [], {}
        for c in numeric:
            x = _as_float(inputs[c["name"]], c["name"])
            if c["log"]:
                x = tf.sign(x) * tf.math.log1p(tf.abs(x))
            if c["missing_indicator"]:
                missing = tf.math.is_nan(x)
                x = tf.where(missing, tf.constant(c["fill"], tf.float32), x)
                indicators[c["name"]] = tf.cast(missing, tf.float32)[:, None]
            filled.append(x)
        standardized = {}
        if numeric:
            matrix = tf.cast(self.normalization(tf.stack(filled, axis=1)), tf.float32)
            for index, c in enumerate(numeric):
                standardized[c["name"]] = matrix[:, index : index + 1]
        blocks = []
        for c in self.columns:
            if c["kind"] == NUMERIC:
                blocks.append(standardized[c["name"]])
                if c["missing_indicator"]:
                    blocks.append(indicators[c["name"]])
            else:
                blocks.append(
                    tf.cast(
                        self.lookups[c["name"]](_as_string(inputs[c["name"]], c["name"])),
                        tf.float32,
                    )
                )
        return tf.concat(blocks, axis=1)

    def compute_output_shape(self, input_shape):
        batch = next(iter(input_shape.values()))[0] if isinstance(input_shape, dict) else None
        return (batch, self.output_dim)

    def get_config(self):
        return {**super().get_config(), "columns": [dict(c) for c in self.columns]}


def _check_columns(columns):
    if not columns:
        raise ValueError("Expected `columns` to be a non-empty list of column specs. Received: []")
    checked = []
    for column in columns:
        column = dict(column)
        if column.get("kind") not in KINDS:
            raise ValueError(
                f"Column spec {column.get('name')!r} has kind {column.get('kind')!r}; "
                f"expected one of {KINDS}."
            )
        if column["kind"] == CATEGORICAL and not column.get("vocabulary"):
            raise ValueError(
                f"Categorical column {column['name']!r} needs a non-empty `vocabulary`."
            )
        checked.append(column)
    return checked


def _check_keys(expected, received):
    received = list(received)
    missing = [name for name in expected if name not in received]
    extra = [name for name in received if name not in expected]
    if missing:
        raise ValueError(f"Missing input column(s) {missing}: the model was adapted on {expected}.")
    if extra:
        raise ValueError(f"Unexpected input column(s) {extra}: the model takes only {expected}.")


def _as_float(x, name):
    x = tf.convert_to_tensor(x)
    if x.dtype == tf.string:
        raise ValueError(
            f"Column {name!r} is numeric in the model but received strings (dtype changed)."
        )
    return tf.reshape(tf.cast(x, tf.float32), [-1])


def _as_string(x, name):
    x = tf.convert_to_tensor(x)
    if x.dtype != tf.string:
        raise ValueError(
            f"Column {name!r} is categorical in the model but received {x.dtype.name} values "
            "(dtype changed); pass it as strings."
        )
    return tf.reshape(x, [-1])


def _width(column):
    if column["kind"] == NUMERIC:
        return 1 + int(bool(column["missing_indicator"]))
    return len(column["vocabulary"]) + 1


def _safe(name):
    return "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in str(name))
