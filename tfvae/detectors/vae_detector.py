"""scikit-learn-style detector over the Keras VAE."""

import os

import keras
import numpy as np

from tfvae.atomic import atomic_path
from tfvae.detectors.base import BaseDetector
from tfvae.models import VAE, Autoencoder, DenseDecoder, DenseEncoder
from tfvae.scores import score_in_batches

#: Training steps per `tf.function` call. At small batches Keras' per-step Python
#: overhead otherwise dominates (benchmarks/speed.py); the updates are the same.
STEPS_PER_EXECUTION = 32


class VAEDetector(BaseDetector):
    """Fits a dense VAE on tabular data and flags rows that it reconstructs badly.

    Inputs are standardised inside the model (a Keras `Normalization` layer), so
    the saved model takes raw numbers. A held-out `validation_fraction` of the rows
    drives early stopping and calibrates the threshold on rows the model did not
    train on.

    Args:
        latent_dim: int. Latent size.
        hidden_units: tuple of int. Encoder widths (the decoder mirrors them).
        beta: float. KL weight.
        variational: bool. False trains the deterministic `Autoencoder` baseline.
        likelihood: str. `"gaussian"` or `"bernoulli"` (features in [0, 1]).
        observation_noise: str. `"fixed"` or `"learned"` Gaussian variance.
        score_name: str. Score the threshold applies to (`tfvae.models.SCORE_NAMES`).
        standardize: bool. Standardise features inside the model.
        epochs: int. Maximum epochs.
        batch_size: int. Batch size.
        learning_rate: float. Adam learning rate.
        validation_fraction: float. Share of rows held out for early stopping and
            calibration (no hold-out when it would be under 10 rows).
        early_stopping_patience: int. Epochs without validation improvement (0 disables).
        contamination: float or None. Expected anomaly share of the training data;
            when set, the threshold flags that share (PyOD convention).
        threshold_percentile: float. Otherwise, the percentile of held-out scores.
        seed: int. Seeds weights, splits and sampling.
        verbose: int. Keras progress output (0 silent, 1 progress bar, 2 one line per epoch).

    Example:
    ```python
    detector = VAEDetector(epochs=50).fit(x_normal)
    detector.predict(x_new)  # 1 = anomaly
    ```
    """

    def __init__(
        self,
        latent_dim=8,
        hidden_units=(64, 32),
        beta=1.0,
        variational=True,
        likelihood="gaussian",
        observation_noise="fixed",
        score_name="negative_elbo",
        standardize=True,
        epochs=100,
        batch_size=128,
        learning_rate=1e-3,
        validation_fraction=0.1,
        early_stopping_patience=10,
        contamination=None,
        threshold_percentile=99.0,
        seed=0,
        verbose=0,
    ):
        self.latent_dim = latent_dim
        self.hidden_units = hidden_units
        self.beta = beta
        self.variational = variational
        self.likelihood = likelihood
        self.observation_noise = observation_noise
        self.score_name = score_name
        self.standardize = standardize
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.contamination = contamination
        self.threshold_percentile = threshold_percentile
        self.seed = seed
        self.verbose = verbose

    def _build_model(self, x_train, feature_names):
        preprocessor = None
        if self.standardize:
            # Constant training features keep unit scale (as sklearn's StandardScaler):
            # dividing by a zero spread would turn any new value into ~1e7 and the
            # scores into inf.
            variance = x_train.astype(np.float64).var(axis=0)
            variance[variance == 0] = 1.0
            preprocessor = keras.layers.Normalization(
                axis=-1, mean=x_train.mean(axis=0).tolist(), variance=variance.tolist(),
                name="standardize",
            )
            preprocessor.build((None, x_train.shape[1]))  # eagerly, not inside a traced step
        return self._make_vae(x_train.shape[1], preprocessor, feature_names)

    def _make_vae(self, output_dim, preprocessor, feature_names):
        hidden = tuple(self.hidden_units)
        parts = dict(
            encoder=DenseEncoder(self.latent_dim, hidden_units=hidden, name="encoder"),
            decoder=DenseDecoder(
                output_dim,
                hidden_units=hidden[::-1],
                output_activation="sigmoid" if self.likelihood == "bernoulli" else None,
                name="decoder",
            ),
            likelihood=self.likelihood,
            observation_noise=self.observation_noise,
            preprocessor=preprocessor,
            score_name=self.score_name,
            seed=self.seed,
            feature_names=feature_names,
        )
        if self.variational:
            return VAE(beta=self.beta, name="vae", **parts)
        return Autoencoder(name="autoencoder", **parts)


    def _fit_scores(self, x):
        keras.utils.set_random_seed(self.seed)
        x_train, x_holdout = self._split(x)
        names = None if not hasattr(self, "feature_names_in_") else list(self.feature_names_in_)
        self.model_ = self._build_model(x_train, names)
        self._train(x_train, None if x_holdout is None else (x_holdout,), batch_size=self.batch_size)
        calibration = x_holdout if x_holdout is not None else x_train
        return self._raw_scores(calibration)

    def _train(self, train_data, validation_data, batch_size=None):
        """Compiles and fits `model_` (early stopping on the hold-out); sets `history_`."""
        self.model_.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                            steps_per_execution=STEPS_PER_EXECUTION)
        callbacks = []
        if validation_data is not None and self.early_stopping_patience:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=self.early_stopping_patience,
                    restore_best_weights=True,
                )
            )
        history = self.model_.fit(
            train_data,
            validation_data=validation_data,
            epochs=self.epochs,
            batch_size=batch_size,
            shuffle=batch_size is not None,  # a tf.data input is shuffled by its pipeline
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.history_ = {k: [float(v) for v in vs] for k, vs in history.history.items()}

    def _after_threshold(self):
        # The model stores float32; keep the detector's copy identical so `predict`
        # and every exported signature agree on rows at the boundary.
        self.model_.threshold.assign(self.threshold_)
        self.threshold_ = self.model_.threshold_value()

    def _raw_scores(self, x):
        return score_in_batches(self.model_, x, keys=("score",))["score"].astype(np.float64)

    def score_details(self, X):
        """All scores per row (`tfvae.scores.SCORE_OUTPUTS` plus `is_anomaly`, `valid`).

        NaN/inf rows are scored (as invalid anomalies) rather than refused.
        """
        x = self._checked(X, allow_nonfinite=True)
        keys = ("reconstruction_error", "reconstruction_error_mae", "kl", "negative_elbo",
                "score", "is_anomaly", "valid")
        return score_in_batches(self.model_, x, keys=keys)

    def feature_scores(self, X):
        """Per-feature squared reconstruction error as a DataFrame (columns = features)."""
        x = self._checked(X)
        errors = score_in_batches(self.model_, x, keys=("feature_errors",))["feature_errors"]
        return self._feature_frame(errors, index=getattr(X, "index", None))

    def save(self, path):
        """Writes the fitted model (threshold included) to a `.keras` file, atomically."""
        self._check_fitted()
        path = os.fspath(path)
        if not path.endswith(".keras"):
            raise ValueError(f"Expected a path ending in `.keras`. Received: path={path!r}")
        with atomic_path(path) as tmp:
            self.model_.save(tmp)
        return path

    @classmethod
    def load(cls, path, calibration_scores=None):
        """Loads a detector saved by `save` (with Keras `safe_mode`).

        Args:
            path: str. A `.keras` file written by `save` (or any calibrated tfvae VAE).
            calibration_scores: optional array. Restores `p_values`; the `.keras` file
                holds the threshold but not the calibration scores.
        """
        model = keras.saving.load_model(path, safe_mode=True)
        if not isinstance(model, VAE):
            raise ValueError(f"{path} does not hold a tfvae VAE (found {type(model).__name__}).")
        threshold = model.threshold_value()
        if threshold is None:
            raise ValueError(f"{path} holds a model without a threshold: calibrate it with `fit`.")
        detector = cls(variational=model.variational, score_name=model.score_name)
        detector.model_ = model
        detector.threshold_ = threshold
        detector.n_features_in_ = int(model.decoder.output_dim)
        if model.feature_names is not None:
            detector.feature_names_in_ = np.asarray(model.feature_names, dtype=object)
        if calibration_scores is not None:
            detector.calibration_scores_ = np.asarray(calibration_scores, dtype=np.float64)
        return detector

