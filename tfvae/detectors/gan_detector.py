"""scikit-learn-style detector over the Keras GANomaly model (tables and images)."""

import math
import os
import warnings

import keras
import numpy as np
import pandas as pd

from tfvae.detectors.gan_training_check import GANTrainingError, gan_training_problems
from tfvae.detectors.keras_detector import KerasDetector
from tfvae.fitting.builder import gan_parts
from tfvae.fitting.schedule import steps_per_execution
from tfvae.models import GANomaly
from tfvae.preprocessing.feature_scaler import scaler_for
from tfvae.score_names import GAN_SCORE_OUTPUTS
from tfvae.scoring.scores import score_in_batches

ON_FAILURE = ("raise", "warn")


class GANDetector(KerasDetector):
    """Fits a GANomaly GAN (Akcay et al., ACCV 2018) on normal data; flags what it
    cannot regenerate.

    Tables (`[rows, features]`, numpy or DataFrame) get dense encoders, generator and
    discriminator, with the features standardised inside the model. Images
    (`[rows, height, width]` or `[rows, height, width, channels]`, pixels in [0, 1] or
    [0, 255]) get convolutional ones (`ConvEncoder`/`ConvDecoder`) and pixels scaled
    to [0, 1] inside the model; height and width must be divisible by
    `2 ** len(image_filters)` (28x28 with the default). See `tfvae.models.GANomaly` for
    the losses and scores. Without `contamination`, a held-out `validation_fraction` of
    the rows calibrates the threshold on rows the model did not train on (see
    `BaseDetector`).

    After training, the run is checked (`gan_training_problems`): NaN/inf losses or
    scores raise `GANTrainingError`; so do a discriminator whose loss fell to ~0 and a
    generator that makes the same output for every input, unless `on_failure="warn"`
    (then a `RuntimeWarning`). The problems found are kept in `training_problems_`.

    Args:
        latent_dim: int. Size of the generator's latent space.
        hidden_units: tuple of int. Widths of the dense encoders and discriminator (the
            generator mirrors them); for images, the last one is the width of the
            encoders' dense layer. The discriminator's feature vector has
            `hidden_units[-1]` values.
        image_filters: tuple of int. Filters of the strided convolutions (images only).
        adversarial_weight: float. Weight of the feature-matching loss (paper: 1).
        contextual_weight: float. Weight of the L1 reconstruction loss (paper: 50).
        latent_weight: float. Weight of the latent loss (paper: 1).
        feature_weight: float. Weight of the discriminator-feature residual in the
            `combined` score; both of its terms are divided by their median on the
            training rows (`GANomaly.calibrate_score_scales`); 0.1 as AnoGAN's lambda
            (Schlegl et al., IPMI 2017).
        score_name: str. Score the threshold applies to (`tfvae.models.GAN_SCORE_NAMES`):
            `"combined"`, `"reconstruction_error"`, `"feature_residual"`, `"latent_error"`.
        standardize: bool. Standardise table features inside the model.
        epochs: int. Training epochs (no early stopping: GAN losses are not monotone).
        batch_size: int. Batch size.
        learning_rate: float. Adam learning rate (paper: 2e-4).
        beta_1: float. Adam's first-moment decay (paper: 0.5).
        validation_fraction: float. Share of rows held out for calibration (no hold-out
            when it would be under 10 rows).
        contamination: float or None. Expected anomaly share of the training data;
            when set, `threshold_` flags that share of the rows given to `fit`
            (`labels_`; PyOD's rule, see `BaseDetector`).
        threshold_percentile: float. Otherwise, the percentile of held-out scores.
        on_failure: str. `"raise"` (`GANTrainingError`) or `"warn"` when the run
            collapsed (a diverged run always raises).
        seed: int. Seeds weights and the hold-out split.
        verbose: int. Keras progress output.

    Example:
    ```python
    detector = GANDetector(seed=1).fit(x_normal)  # table or images
    detector.predict(x_new)  # 1 = anomaly
    ```
    """

    _MODEL_CLASS = GANomaly

    def __init__(
        self,
        latent_dim=8,
        hidden_units=(64, 32),
        image_filters=(32, 64),
        adversarial_weight=1.0,
        contextual_weight=50.0,
        latent_weight=1.0,
        feature_weight=0.1,
        score_name="combined",
        standardize=True,
        epochs=50,
        batch_size=128,
        learning_rate=2e-4,
        beta_1=0.5,
        validation_fraction=0.1,
        contamination=None,
        threshold_percentile=99.0,
        on_failure="raise",
        seed=0,
        verbose=0,
    ):
        self.latent_dim = latent_dim
        self.hidden_units = hidden_units
        self.image_filters = image_filters
        self.adversarial_weight = adversarial_weight
        self.contextual_weight = contextual_weight
        self.latent_weight = latent_weight
        self.feature_weight = feature_weight
        self.score_name = score_name
        self.standardize = standardize
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.validation_fraction = validation_fraction
        self.contamination = contamination
        self.threshold_percentile = threshold_percentile
        self.on_failure = on_failure
        self.seed = seed
        self.verbose = verbose

    # Images travel through the base class's (2-D) validation as flat rows.

    def _as_rows(self, X, fitting=False):
        """Images `[n, h, w(, c)]` -> `[n, h*w*c]` (recording or checking the shape)."""
        if isinstance(X, (pd.DataFrame, str, os.PathLike)) or np.ndim(X) < 3:
            if fitting and hasattr(self, "image_shape_"):
                del self.image_shape_
            return X
        x = np.asarray(X)
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4:
            raise ValueError(
                "Expected images of shape [n, height, width] or [n, height, width, channels]. "
                f"Received shape {x.shape}."
            )
        shape = tuple(int(d) for d in x.shape[1:])
        if fitting:
            self.image_shape_ = shape
        elif shape != getattr(self, "image_shape_", None):
            raise ValueError(
                f"Expected images of shape {getattr(self, 'image_shape_', None)} (as in fit). "
                f"Received images of shape {shape}."
            )
        return x.reshape(len(x), -1)

    def _as_model_input(self, x):
        image_shape = getattr(self, "image_shape_", None)
        return x if image_shape is None else x.reshape(len(x), *image_shape)

    def fit(self, X, y=None):
        """Fits on `X` (normal rows or images). Returns self."""
        if self.on_failure not in ON_FAILURE:
            raise ValueError(
                f"Expected `on_failure` in {ON_FAILURE}. Received: {self.on_failure!r}"
            )
        return super().fit(self._as_rows(X, fitting=True), y)

    def _checked(self, X, allow_nonfinite=False):
        self._check_fitted()
        return super()._checked(self._as_rows(X), allow_nonfinite=allow_nonfinite)

    def _preprocessor(self, x_train):
        if hasattr(self, "image_shape_"):
            low, high = float(x_train.min()), float(x_train.max())
            if low < 0 or high > 255:
                raise ValueError(
                    f"Expected pixels in [0, 1] or [0, 255]. Received values in [{low:g}, {high:g}]."
                )
            return keras.layers.Rescaling(1.0 / 255.0, name="rescale") if high > 1 else None
        return scaler_for(x_train, self.standardize)

    def _build_model(self, x_train, feature_names):
        return GANomaly(
            preprocessor=self._preprocessor(x_train),
            adversarial_weight=self.adversarial_weight,
            contextual_weight=self.contextual_weight,
            latent_weight=self.latent_weight,
            feature_weight=self.feature_weight,
            score_name=self.score_name,
            seed=self.seed,
            feature_names=feature_names,
            name="ganomaly",
            **gan_parts(
                x_train.shape[1],
                self.latent_dim,
                self.hidden_units,
                image_shape=getattr(self, "image_shape_", None),
                image_filters=self.image_filters,
            ),
        )

    def _fit_scores(self, x):
        keras.utils.set_random_seed(self.seed)
        x_train, x_holdout, holdout = self._split(x)
        names = None if not hasattr(self, "feature_names_in_") else list(self.feature_names_in_)
        x_train = self._as_model_input(x_train)
        self.model_ = self._build_model(x_train, names)
        self.model_.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate, beta_1=self.beta_1),
            steps_per_execution=steps_per_execution(
                math.ceil(len(x_train) / self.batch_size), input_ends=True
            ),
        )
        history = self.model_.fit(
            x_train,
            epochs=self.epochs,
            batch_size=self.batch_size,
            shuffle=True,
            verbose=self.verbose,
        )
        self.history_ = {k: [float(v) for v in vs] for k, vs in history.history.items()}
        terms = score_in_batches(
            self.model_, x_train, keys=("reconstruction_error", "feature_residual")
        )
        if all(np.isfinite(values).all() for values in terms.values()):
            self.model_.calibrate_score_scales(
                terms["reconstruction_error"], terms["feature_residual"]
            )
        # The run is checked on rows it did not train on (when there are some).
        checked = x_train if x_holdout is None else self._as_model_input(x_holdout)
        out = score_in_batches(self.model_, checked, keys=("features", "reconstruction", "score"))
        self._check_training(out)
        if x_holdout is None:
            return out["score"].astype(np.float64), None
        return self._raw_scores(x), holdout

    def _check_training(self, out):
        n = len(out["features"])
        self.training_problems_ = gan_training_problems(
            self.history_,
            features=out["features"].reshape(n, -1),
            reconstructions=out["reconstruction"].reshape(n, -1),
            scores=out["score"],
        )
        if self.training_problems_:
            message = (
                f"The GAN run (seed={self.seed}) failed: "
                + "; ".join(self.training_problems_)
                + ". Try another seed or learning_rate, or more epochs for an untrained generator."
            )
            diverged = any(problem.startswith("diverged") for problem in self.training_problems_)
            if diverged or self.on_failure == "raise":  # NaN scores cannot even be calibrated
                raise GANTrainingError(message)
            warnings.warn(message, RuntimeWarning, stacklevel=5)

    def _raw_scores(self, x):
        x = self._as_model_input(x)
        return score_in_batches(self.model_, x, keys=("score",))["score"].astype(np.float64)

    def score_details(self, X):
        """All scores per row (`GAN_SCORE_OUTPUTS` plus `is_anomaly`, `valid`).

        NaN/inf rows are scored (as invalid anomalies) rather than refused.
        """
        x = self._as_model_input(self._checked(X, allow_nonfinite=True))
        return score_in_batches(self.model_, x, keys=(*GAN_SCORE_OUTPUTS, "is_anomaly", "valid"))

    def feature_scores(self, X):
        """Per-feature (per-pixel for images) squared reconstruction error as a DataFrame."""
        x = self._as_model_input(self._checked(X))
        errors = score_in_batches(self.model_, x, keys=("feature_errors",))["feature_errors"]
        return self._feature_frame(errors.reshape(len(errors), -1), index=getattr(X, "index", None))

    def reconstruct(self, X):
        """`G(E(x))` in the model's feature space (standardised rows, images in [0, 1])."""
        x = self._as_model_input(self._checked(X))
        return score_in_batches(self.model_, x, keys=("reconstruction",))["reconstruction"]

    @classmethod
    def _from_model(cls, model):
        detector = cls(
            score_name=model.score_name,
            adversarial_weight=model.adversarial_weight,
            contextual_weight=model.contextual_weight,
            latent_weight=model.latent_weight,
            feature_weight=model.feature_weight,
            seed=model.seed if model.seed is not None else 0,
        )
        shape = tuple(model.get_build_config()["input_shape"])[1:]
        if len(shape) > 1:
            detector.image_shape_ = tuple(int(d) for d in shape)
        detector.n_features_in_ = int(np.prod(shape))
        return detector
