"""The serving vocabulary: what an export holds and serves, in one place, TF-free.

Signature names, their input name and output keys, the signatures kept in `.tflite`
files, the formats and TFLite variants `tfvae.export.export_model` writes, and which
inputs a model's signatures take (`ModelInputs`: the table columns a model or an export
reads). `tfvae.export` traces these signatures, Beam's `ExportModelHandler` calls them,
`tfvae score` and Beam read tables through `ModelInputs`, and the `tfvae` commands read
the names while parsing (`tfvae export --help` imports no TensorFlow, numpy or pandas).
"""

import dataclasses
import math

from tfvae.column_kinds import CATEGORICAL, NUMERIC
from tfvae.quoting import quote
from tfvae.score_names import GAN_SCORE_OUTPUTS

#: What `export_model` can write.
FORMATS = ("savedmodel", "tflite")
#: TFLite variants: full float32, float16 weights, dynamic-range int8 weights.
QUANTIZATIONS = ("none", "float16", "dynamic")

#: The one input of the signatures taking an array of features.
INPUT_NAME = "features"
#: The signatures a scorer calls: by numeric models, by raw-column models (one input per
#: raw column, see `raw_input_signature`), and for per-feature errors.
SCORE_SIGNATURE = "score"
RAW_SIGNATURE = "score_raw"
FEATURE_ERRORS_SIGNATURE = "feature_errors"

#: The scores served per row, in one order: the `score` and `serving_default` outputs of
#: an export (and so `metadata.json`'s lists and Beam's output columns) and the columns
#: `tfvae score` writes after `line`.
SERVED_OUTPUTS = ("score", "kl", "reconstruction_error", "is_anomaly", "valid")
FEATURE_ERROR_KEYS = ("feature_errors",)
ENCODE_KEYS = ("z_mean", "z_log_var")
RECONSTRUCT_KEYS = ("reconstruction",)

#: Output -> the per-example error terms (`tfvae.scoring.error_terms`) it is computed from.
OUTPUT_TERMS = {
    "reconstruction_error": ("mse",),
    "reconstruction_error_mae": ("mae",),
    "kl": ("kl",),
    "negative_elbo": ("nll", "kl"),
    "elbo_neighbours": ("nll", "kl"),
    "valid": ("valid",),
}

#: signature name -> output keys, for the signatures taking `features`.
FEATURE_SIGNATURES = {
    "serving_default": SERVED_OUTPUTS,
    SCORE_SIGNATURE: SERVED_OUTPUTS,
    FEATURE_ERRORS_SIGNATURE: FEATURE_ERROR_KEYS,
    "encode": ENCODE_KEYS,
    "reconstruct": RECONSTRUCT_KEYS,
}
#: signature name -> output keys of a GANomaly model (no `kl`, no `z_log_var`).
GAN_SIGNATURES = {
    "serving_default": (*GAN_SCORE_OUTPUTS[:4], "score", "is_anomaly", "valid"),
    SCORE_SIGNATURE: (*GAN_SCORE_OUTPUTS[:4], "score", "is_anomaly", "valid"),
    FEATURE_ERRORS_SIGNATURE: FEATURE_ERROR_KEYS,
    "encode": ("z_mean",),
    "reconstruct": RECONSTRUCT_KEYS,
}
#: Outputs of the VAE's scoring function a GAN does not have, and why (export metadata).
ABSENT_OUTPUTS = {
    "kl": "no posterior distribution: the GAN's encoders map a row to one latent point",
    "z_log_var": "no posterior variance: `z_mean` is the encoder's latent point",
    "negative_elbo": "no likelihood model: the GAN is trained adversarially",
}
#: Signatures kept in `.tflite` files (never one named `serve`: the converter would
#: then keep only that one).
TFLITE_SIGNATURES = ("score", "feature_errors", "encode", "reconstruct")


def feature_signatures(model):
    """Signature name -> output keys for `model`: its own `export_signatures` when it has
    one (the GAN's are `GAN_SIGNATURES`), else `FEATURE_SIGNATURES`."""
    return dict(getattr(model, "export_signatures", FEATURE_SIGNATURES))


def raw_input_signature(model):
    """`{column: tf.TensorSpec([None], dtype, name=column)}` of a dict preprocessor, or None."""
    method = getattr(getattr(model, "preprocessor", None), "input_signature", None)
    return None if method is None else dict(method())


def feature_shape(model):
    """Shape (without batch) of the `features` input of the model's signatures."""
    if not model.built:
        raise ValueError("The model is not built: fit it (or load a fitted `.keras` file) first.")
    input_shape = model.get_build_config()["input_shape"]
    if raw_input_signature(model) is not None:
        input_shape = model.preprocessor.compute_output_shape(input_shape)
    shape = tuple(input_shape)[1:]
    if any(d is None for d in shape):
        raise ValueError(
            f"Expected a fixed feature shape to export. The model was built on {input_shape}."
        )
    return tuple(int(d) for d in shape)


@dataclasses.dataclass(frozen=True)
class ModelInputs:
    """The columns a model reads: one description for a Keras VAE and for an export version
    (its `metadata.json`), so `tfvae score` and the Beam pipeline read tables the same way.

    Attributes:
        names: tuple of str, or None for a numeric model without feature names (it
            then takes every column of the table, in order).
        kinds: tuple of `numeric` / `categorical`, one per name (None with `names`).
        raw: bool. True: the model takes a dict of raw columns (tabular
            preprocessing, the export's `score_raw`); False: one float32 array.
        shape: tuple of int. The feature shape of a numeric model (without batch).
    """

    names: tuple
    kinds: tuple
    raw: bool
    shape: tuple

    @classmethod
    def from_model(cls, model):
        """The inputs of a built tfvae VAE."""
        method = getattr(getattr(model, "preprocessor", None), "input_signature", None)
        if method is not None:
            columns = model.preprocessor.columns
            return cls(
                tuple(c["name"] for c in columns), tuple(c["kind"] for c in columns), True, ()
            )
        if not model.built:
            raise ValueError(
                "The model is not built: fit it (or load a fitted `.keras` file) first."
            )
        shape = tuple(int(d) for d in model.get_build_config()["input_shape"][1:])
        return cls._numeric(model.feature_names, shape)

    @classmethod
    def from_metadata(cls, metadata):
        """The inputs of an export version, from its `metadata.json` dict."""
        raw = metadata.get("raw_inputs")
        if raw:
            kinds = tuple(CATEGORICAL if dtype == "string" else NUMERIC for dtype in raw.values())
            return cls(tuple(raw), kinds, True, ())
        return cls._numeric(
            metadata.get("feature_names"), tuple(int(d) for d in metadata["input_shape"][1:])
        )

    @classmethod
    def _numeric(cls, names, shape):
        width = math.prod(shape)
        if names is not None and len(names) != width:
            names = None  # names that do not match the width (e.g. image pixels) are not columns
        names = None if names is None else tuple(str(n) for n in names)
        return cls(names, None if names is None else (NUMERIC,) * width, False, shape)

    @property
    def width(self):
        return math.prod(self.shape) if not self.raw else len(self.names)

    def specs(self, header, source="The table"):
        """`[{"name", "kind"}]` of the columns to read from a table with `header`.

        `source` names the table in messages (its path).

        Raises:
            ValueError: a column is missing, or a model without feature names and a
                table whose width differs from the model's.
        """
        if self.names is None:
            if len(header) != self.width:
                raise ValueError(
                    f"The model takes {self.width} numeric columns and has no column names; "
                    f"{source} has {len(header)} columns ({quote(header)}). Pass a table of "
                    f"exactly {self.width} columns."
                )
            return [{"name": name, "kind": NUMERIC} for name in header]
        missing = [name for name in self.names if name not in header]
        if missing:
            raise ValueError(
                f"{source} is missing column(s) {missing} that the model takes (header: "
                f"{quote(header)})."
            )
        return [{"name": n, "kind": k} for n, k in zip(self.names, self.kinds)]

    def ignored(self, header):
        """Columns of `header` the model does not read (a label, an id...)."""
        return [] if self.names is None else [name for name in header if name not in self.names]

    def batch(self, columns, specs):
        """The model input for parsed `columns`: a dict of arrays, or a float32 array."""
        import numpy as np

        if self.raw:
            return {spec["name"]: columns[spec["name"]] for spec in specs}
        stacked = np.stack([columns[spec["name"]] for spec in specs], axis=1).astype(
            np.float32, copy=False
        )
        return stacked.reshape((len(stacked), *self.shape))
