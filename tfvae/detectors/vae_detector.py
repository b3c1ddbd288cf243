"""scikit-learn-style detector over the Keras VAE."""

import keras
import numpy as np
import tensorflow as tf

from tfvae.detectors.keras_detector import KerasDetector
from tfvae.detectors.schedule import training_schedule
from tfvae.models import VAE, FeatureScaler
from tfvae.models.builder import build_dense_vae
from tfvae.score_names import SCORE_NAMES
from tfvae.scores import score_in_batches


class VAEDetector(KerasDetector):
    """Fits an ensemble of dense VAEs on tabular data and flags rows it explains badly.

    Inputs are scaled inside the model (a `FeatureScaler`), so the saved model takes
    raw numbers. A held-out `validation_fraction` of the rows drives early stopping
    and, without `contamination`, calibrates the threshold on rows the model did not
    train on (see `BaseDetector` for both rules and PyOD's attributes). The defaults
    were chosen on the ADBench tables (benchmarks/README.md).

    Args:
        latent_dim: int or `"auto"`. Latent size; `"auto"` sizes it from the number
            of features (`tfvae.models.builder.architecture`).
        hidden_units: tuple of int or `"auto"`. Encoder widths (the decoder mirrors
            them); `"auto"` sizes them from the number of features.
        beta: float. KL weight.
        variational: bool. False trains the deterministic `Autoencoder` baseline.
        likelihood: str. `"gaussian"` or `"bernoulli"` (features in [0, 1]).
        observation_noise: str. `"fixed"` or `"learned"` Gaussian variance.
        score_name: str. Score the threshold applies to (`tfvae.models.SCORE_NAMES`).
        standardize: bool or `"robust"`. Standardise features inside the model (mean
            and standard deviation of the training rows, or median and IQR / 1.349
            with `"robust"`, which outliers among the training rows barely move).
        tail_knee: float or None. With `standardize`, standardised values beyond
            +-`tail_knee` grow logarithmically (`FeatureScaler`): heavy-tailed
            columns neither dominate training nor overflow. None keeps them linear.
        members: int. Number of VAEs trained side by side as one Keras model
            (stacked weights, one SavedModel); scores are their mean.
        trim_fraction: float in [0, 0.5). Share of the worst-fitted rows of each
            batch left out of the gradient (for training data with anomalies).
        epochs: int or `"auto"`. Maximum epochs; `"auto"` gives about
            `tfvae.detectors.schedule.STEP_BUDGET` training steps whatever the number of
            rows (`training_schedule`).
        batch_size: int. Batch size.
        learning_rate: float. Adam learning rate.
        validation_fraction: float. Share of rows held out for early stopping and
            calibration (no hold-out when it would be under 10 rows).
        early_stopping_patience: int. Epochs without validation improvement (0 disables).
        contamination: float or None. Expected anomaly share of the training data;
            when set, `threshold_` flags that share of the rows given to `fit`
            (`labels_`; PyOD's rule, see `BaseDetector`).
        threshold_percentile: float. Otherwise, the percentile of held-out scores.
        seed: int. Seeds weights, splits and sampling.
        verbose: int. Keras progress output (0 silent, 1 progress bar, 2 one line per epoch).

    Example:
    ```python
    detector = VAEDetector().fit(x_normal)
    detector.predict(x_new)  # 1 = anomaly
    ```
    """

    _MODEL_CLASS = VAE

    def __init__(
        self,
        latent_dim="auto",
        hidden_units="auto",
        beta=1.0,
        variational=True,
        likelihood="gaussian",
        observation_noise="learned",
        score_name="negative_elbo",
        standardize="robust",
        tail_knee=3.0,
        members=5,
        trim_fraction=0.0,
        epochs="auto",
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
        self.tail_knee = tail_knee
        self.members = members
        self.trim_fraction = trim_fraction
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
            preprocessor = FeatureScaler.from_data(
                x_train,
                robust=self.standardize == "robust",
                knee=self.tail_knee,
                name="standardize",
            )
        return self._make_vae(x_train.shape[1], preprocessor, feature_names)

    def _make_vae(self, n_features, preprocessor, feature_names):
        return build_dense_vae(
            n_features,
            latent_dim=self.latent_dim,
            hidden_units=self.hidden_units,
            members=int(self.members),
            variational=self.variational,
            beta=self.beta,
            likelihood=self.likelihood,
            observation_noise=self.observation_noise,
            preprocessor=preprocessor,
            score_name=self.score_name,
            seed=self.seed,
            feature_names=feature_names,
            trim_fraction=self.trim_fraction,
        )

    def _fit_scores(self, x):
        keras.utils.set_random_seed(self.seed)
        x_train, x_holdout, holdout = self._split(x)
        names = None if not hasattr(self, "feature_names_in_") else list(self.feature_names_in_)
        self.model_ = self._build_model(x_train, names)
        self._train(x_train, x_holdout)
        return self._raw_scores(x), holdout

    def _train(self, train_inputs, holdout_inputs=None):
        """Compiles and fits `model_` (early stopping on the hold-out); sets `history_`.

        Args:
            train_inputs: array `[rows, ...]` or dict of column arrays.
            holdout_inputs: the same kind, or None.
        """
        n_rows = len(
            next(iter(train_inputs.values())) if isinstance(train_inputs, dict) else train_inputs
        )
        steps_per_epoch, steps_per_execution, epochs = training_schedule(
            n_rows, self.batch_size, self.epochs
        )
        self.model_.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate),
            steps_per_execution=steps_per_execution,
            # XLA fuses the step's elementwise ops (benchmarks/speed_profile.py); raw string
            # columns (the tabular preprocessing) have no XLA kernels.
            jit_compile=not isinstance(train_inputs, dict),
        )
        callbacks = []
        if holdout_inputs is not None and self.early_stopping_patience:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=self.early_stopping_patience,
                    restore_best_weights=True,
                )
            )
        history = self.model_.fit(
            row_batches(train_inputs, self.batch_size, seed=self.seed, repeat=True),
            validation_data=(
                None if holdout_inputs is None else row_batches(holdout_inputs, self.batch_size)
            ),
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            shuffle=False,  # the stream is reshuffled on every pass
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.history_ = {k: [float(v) for v in vs] for k, vs in history.history.items()}

    def _raw_scores(self, x):
        return score_in_batches(self.model_, x, keys=("score",))["score"].astype(np.float64)

    def score_samples(self, X):
        """Anomaly score per row (higher = more anomalous)."""
        # The scoring graph finds NaN/inf rows (its `valid` output) in the pass it makes
        # anyway; only then does the strict check run, to name the first one.
        x = self._checked(X, allow_nonfinite=True)
        out = score_in_batches(self.model_, x, keys=("score", "valid"))
        if not out["valid"].all():
            self._checked(X)
        return out["score"].astype(np.float64)

    def score_details(self, X):
        """All scores per row (`tfvae.scores.SCORE_OUTPUTS` plus `is_anomaly`, `valid`).

        NaN/inf rows are scored (as invalid anomalies) rather than refused.
        """
        x = self._checked(X, allow_nonfinite=True)
        keys = (*SCORE_NAMES, "score", "is_anomaly", "valid")
        return score_in_batches(self.model_, x, keys=keys)

    def feature_scores(self, X):
        """Per-feature squared reconstruction error as a DataFrame (columns = features)."""
        x = self._checked(X)
        errors = score_in_batches(self.model_, x, keys=("feature_errors",))["feature_errors"]
        return self._feature_frame(errors, index=getattr(X, "index", None))

    @classmethod
    def _from_model(cls, model):
        detector = cls(**_params_of(model))
        detector.n_features_in_ = int(model.decoder.output_dim)
        return detector


def _params_of(model):
    """The detector arguments a loaded model records (the others keep their defaults)."""
    params = dict(
        variational=model.variational,
        score_name=model.score_name,
        likelihood=model.likelihood,
        observation_noise=model.observation_noise,
        members=model.members,
        trim_fraction=model.trim_fraction,
    )
    if model.variational:
        params["beta"] = float(keras.ops.convert_to_numpy(model.beta))
    encoder = model.encoder
    if hasattr(encoder, "hidden_units"):
        params.update(latent_dim=encoder.latent_dim, hidden_units=tuple(encoder.hidden_units))
    return params


def row_batches(inputs, batch_size, seed=None, repeat=False):
    """`tf.data` batches of the rows of an array or a dict of column arrays.

    Batches are gathered from whole tensors (element-wise `tf.data` over many
    columns costs more than the model step). With `repeat=True` the rows are
    reshuffled on every pass and the stream never ends (the caller sets
    `steps_per_epoch`).

    Args:
        inputs: array `[rows, ...]` or dict of arrays `[rows]`.
        batch_size: int. Rows per batch.
        seed: int or None. Shuffle seed (only with `repeat=True`).
        repeat: bool. Shuffle and repeat for training.

    Returns:
        A `tf.data.Dataset`.
    """
    tensors = tf.nest.map_structure(tf.constant, inputs)
    n_rows = int(tf.nest.flatten(tensors)[0].shape[0])
    indices = tf.data.Dataset.range(n_rows)
    if repeat:
        indices = indices.shuffle(n_rows, seed=seed, reshuffle_each_iteration=True).repeat()
    indices = indices.batch(batch_size)
    return indices.map(
        lambda idx: tf.nest.map_structure(lambda t: tf.gather(t, idx), tensors)
    ).prefetch(tf.data.AUTOTUNE)
