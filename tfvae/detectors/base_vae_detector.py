"""The VAE detectors' shared base: one set of arguments, one fit, one scoring."""

import abc
import gc
import inspect
import numbers

import keras
import numpy as np
import tensorflow as tf

from tfvae.detectors.keras_detector import KerasDetector
from tfvae.fitting.builder import build_dense_vae
from tfvae.fitting.gradient_registry import released_gradient_functions
from tfvae.fitting.schedule import FILTER_AFTER, row_batches, training_schedule
from tfvae.models import VAE
from tfvae.score_names import NEIGHBOUR_SCORES
from tfvae.scoring.neighbour_bank import remember_neighbours
from tfvae.scoring.scores import score_in_batches, score_outputs

#: Training rows a detector's latent neighbour bank remembers at most (a random subset).
BANK_SIZE = 2048


class BaseVAEDetector(KerasDetector):
    """The VAE detectors' shared base: their arguments, written once, and their fit.

    A subclass says how rows are split (`_split`), which model it builds for them
    (`_model_for`, with the preprocessing the model embeds) and what the model takes
    (`_model_inputs`); this class trains it, fills its neighbour bank and scores. A
    held-out `validation_fraction` of the rows drives early stopping
    and, without `contamination`, calibrates the threshold on rows the model did not
    train on (see `BaseDetector` for both rules and PyOD's attributes). The defaults
    were chosen on the ADBench tables (benchmarks/README.md).

    Args:
        latent_dim: int or `"auto"`. Latent size; `"auto"` sizes it from the number
            of features (`tfvae.fitting.builder.architecture`).
        hidden_units: tuple of int or `"auto"`. Encoder widths (the decoder mirrors
            them); `"auto"` sizes them from the number of features.
        beta: float. KL weight.
        variational: bool. False trains the deterministic `Autoencoder` baseline.
        likelihood: str. `"gaussian"` or `"bernoulli"` (features in [0, 1]).
        observation_noise: str. `"fixed"` or `"learned"` Gaussian variance.
        score_name: str. Score the threshold applies to (`tfvae.models.SCORE_NAMES`).
            The neighbour scores (`elbo_neighbours`, `neighbour_distance`) give the
            model a bank of up to `BANK_SIZE` training rows' latent codes.
        members: int. Number of VAEs trained side by side as one Keras model
            (stacked weights, one SavedModel); scores are their mean.
        trim_fraction: float in [0, 0.5). Share of the worst-fitted rows of each
            batch left out of the gradient (for training data with anomalies).
        filter_fraction: float in [0, 0.5], or `"auto"`. After the first
            `FILTER_AFTER` of the epochs, the rows the model explains worst (this
            share, by negative ELBO) are set aside: training goes on, and the
            neighbour bank is filled, without them. A briefly trained model has fitted
            the bulk of the rows but not yet the rare ones (the inlier-memorization
            effect, Kim et al., ICML 2024), so the rows it sets aside are mostly the
            anomalies hidden among the training rows. `"auto"` sets aside the
            `contamination` share when it is given (the training rows are said to hold
            anomalies) and nothing otherwise: on clean rows the filter only removes
            rare normal rows, which then score as anomalies (benchmarks/README.md).
        n_neighbors: int. Which nearest remembered row measures `neighbour_distance`.
        neighbour_weight: float >= 0. Weight of the neighbour distance against the
            negative ELBO in `elbo_neighbours` (both on the robust log scale).
        epochs: int or `"auto"`. Maximum epochs; `"auto"` gives about
            `tfvae.fitting.schedule.STEP_BUDGET` training steps whatever the number of
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
        score_name="elbo_neighbours",
        members=3,
        trim_fraction=0.0,
        filter_fraction="auto",
        n_neighbors=5,
        neighbour_weight=0.5,
        epochs="auto",
        batch_size=128,
        learning_rate=3e-3,
        validation_fraction=0.1,
        early_stopping_patience=0,
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
        self.members = members
        self.trim_fraction = trim_fraction
        self.filter_fraction = filter_fraction
        self.n_neighbors = n_neighbors
        self.neighbour_weight = neighbour_weight
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.contamination = contamination
        self.threshold_percentile = threshold_percentile
        self.seed = seed
        self.verbose = verbose

    def _make_vae(self, n_features, preprocessor, feature_names, n_train):
        bank_size = None
        if self.score_name in NEIGHBOUR_SCORES:  # the rows `_train` keeps, at most BANK_SIZE
            bank_size = min(BANK_SIZE, n_train - self._n_set_aside(n_train))
        return build_dense_vae(
            n_features,
            latent_dim=self.latent_dim,
            hidden_units=self.hidden_units,
            members=_plain_int(self.members),
            variational=self.variational,
            beta=self.beta,
            likelihood=self.likelihood,
            observation_noise=self.observation_noise,
            preprocessor=preprocessor,
            score_name=self.score_name,
            seed=self.seed,
            feature_names=feature_names,
            trim_fraction=self.trim_fraction,
            bank_size=bank_size,
            n_neighbors=self.n_neighbors,
            neighbour_weight=self.neighbour_weight,
        )

    def _fit_scores(self, rows):
        keras.utils.set_random_seed(self.seed)
        train, holdout, holdout_indices = self._split(rows)
        self.model_ = self._model_for(rows, train)
        self._fit_model(
            self._model_inputs(train), None if holdout is None else self._model_inputs(holdout)
        )
        return self._raw_scores(self._model_inputs(rows)), holdout_indices

    @abc.abstractmethod
    def _model_for(self, rows, train):
        """The unfitted model for the rows given to `fit` (`train`: those it trains on)."""

    def _model_inputs(self, rows):
        """What the model takes for `rows` (as `_split` gives them)."""
        return rows

    def _fit_model(self, train_inputs, holdout_inputs):
        """Trains `model_`, then fills its neighbour bank (if any) with the rows it kept."""
        kept = self._train(train_inputs, holdout_inputs)
        if self.model_.neighbours is not None:
            remember_neighbours(
                self.model_, kept, holdout_inputs, seed=self.seed, keys=self._scoring_keys()
            )

    def _scoring_keys(self):
        """The outputs every scoring pass of the detector asks for: one traced scorer serves
        the filter, the bank, the calibration and `score_samples` (each trace costs more
        than scoring a table of a few thousand rows)."""
        keys = ("negative_elbo", "z_mean", "score", "valid")
        return keys + (("neighbour_distance",) if self.model_.neighbours is not None else ())

    def _n_set_aside(self, n_train):
        """Training rows `filter_fraction` sets aside after the warm-up."""
        share = self.filter_fraction
        if share == "auto":
            share = 0.0 if self.contamination is None else self.contamination
        if isinstance(share, bool) or not isinstance(share, numbers.Real) or not 0 <= share <= 0.5:
            raise ValueError(
                'Expected `filter_fraction` to be a float in [0, 0.5] or "auto". '
                f"Received: filter_fraction={self.filter_fraction!r}"
            )
        return int(n_train * share)

    def _train(self, train_inputs, holdout_inputs=None):
        """Compiles and fits `model_`; sets `history_` and returns the rows it kept.

        The model and its optimizer are built before `fit`: variables created while a
        train step is traced would leave functions behind in the process. Training
        runs without XLA, whose compile time exceeds what it saves over a fit of this
        length and whose compiled programs outlive the model (RSS grew by ~37 MB per
        fit over 20 fits with it, not at all without). Models of earlier fits that
        nobody holds any more are freed first: Keras models are reference cycles, which
        Python's generational collector frees late, so a loop of fits (a benchmark, a
        grid search) otherwise grows by a model per fit until it runs.

        Args:
            train_inputs: array `[rows, ...]` or dict of column arrays.
            holdout_inputs: the same kind, or None (drives early stopping).

        Returns:
            The training rows kept (all of them, or all but the `filter_fraction` set
            aside after the warm-up), of the kind of `train_inputs`.
        """
        gc.collect()
        steps_per_epoch, steps_per_execution, epochs = training_schedule(
            _n_rows(train_inputs), self.batch_size, self.epochs
        )
        self.model_.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate),
            steps_per_execution=steps_per_execution,
            jit_compile=False,
        )
        _build_for_training(self.model_, train_inputs)
        n_set_aside = self._n_set_aside(_n_rows(train_inputs))
        warm_up = epochs if not n_set_aside else max(1, round(epochs * FILTER_AFTER))
        kept, histories = train_inputs, []
        with released_gradient_functions():
            for first, last in ((0, warm_up), (warm_up, epochs)):
                if first == last:
                    continue
                if first:  # after the warm-up
                    kept = self._without_worst(train_inputs, n_set_aside)
                histories.append(
                    self._fit_epochs(kept, holdout_inputs, first, last, steps_per_epoch)
                )
        self.history_ = {
            key: [float(v) for h in histories for v in h.history.get(key, [])]
            for key in histories[0].history
        }
        return kept

    def _fit_epochs(self, rows, holdout_inputs, first, last, steps_per_epoch):
        """`model_.fit` from epoch `first` to `last` on `rows`; returns the History."""
        callbacks = []
        if holdout_inputs is not None and self.early_stopping_patience:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=self.early_stopping_patience,
                    restore_best_weights=True,
                )
            )
        return self.model_.fit(
            row_batches(rows, self.batch_size, seed=self.seed + first, repeat=True),
            validation_data=(
                None if holdout_inputs is None else row_batches(holdout_inputs, self.batch_size)
            ),
            initial_epoch=first,
            epochs=last,
            steps_per_epoch=steps_per_epoch,
            shuffle=False,  # the stream is reshuffled on every pass
            callbacks=callbacks,
            verbose=self.verbose,
        )

    def _without_worst(self, rows, n_set_aside):
        """`rows` (in order) without the `n_set_aside` the model explains worst (negative ELBO)."""
        loss = score_in_batches(self.model_, rows, keys=self._scoring_keys())["negative_elbo"]
        keep = np.sort(np.argsort(loss, kind="stable")[: len(loss) - n_set_aside])
        return tf.nest.map_structure(lambda column: column[keep], rows)

    def _raw_scores(self, x):
        out = score_in_batches(self.model_, x, keys=self._scoring_keys())
        return out["score"].astype(np.float64)

    def score_details(self, X):
        """All scores per row (`tfvae.scoring.scores.SCORE_OUTPUTS` plus `is_anomaly`, `valid`).

        NaN/inf rows are scored (as invalid anomalies) rather than refused.
        """
        x = self._checked(X, allow_nonfinite=True)
        keys = (*score_outputs(self.model_), "is_anomaly", "valid")
        return score_in_batches(self.model_, x, keys=keys)

    @classmethod
    def _from_model(cls, model):
        detector = cls(**_params_of(model))
        detector.n_features_in_ = int(model.decoder.output_dim)
        return detector


def extends_parameters(parent):
    """Class decorator: the subclass's `__init__(self, *, own..., **params)` shows the
    merged signature (its own keyword arguments and every argument of `parent`), which
    scikit-learn reads (`get_params`, `clone`, `set_params`, `repr`) through
    `inspect.signature`, so the parent's arguments are written once."""

    def decorate(cls):
        own = inspect.signature(cls.__init__).parameters.values()
        inherited = list(inspect.signature(parent.__init__).parameters.values())[1:]
        names = {p.name for p in own}
        merged = [p for p in own if p.kind != p.VAR_KEYWORD] + [
            p.replace(kind=p.KEYWORD_ONLY) for p in inherited if p.name not in names
        ]
        cls.__init__.__signature__ = inspect.Signature(merged)
        return cls

    return decorate


def _n_rows(inputs):
    return len(tf.nest.flatten(inputs)[0])


def _build_for_training(model, inputs):
    """Builds `model` and its optimizer outside any traced function."""
    if not model.built:
        model.build(tf.nest.map_structure(lambda a: (None, *a.shape[1:]), inputs))
    model.optimizer.build(model.trainable_variables)


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
    if model.neighbours is not None:
        params["n_neighbors"] = model.neighbours.k
        params["neighbour_weight"] = model.neighbours.weight
    if model.variational:
        params["beta"] = float(keras.ops.convert_to_numpy(model.beta))
    encoder = model.encoder
    if hasattr(encoder, "hidden_units"):
        params.update(latent_dim=encoder.latent_dim, hidden_units=tuple(encoder.hidden_units))
    return params


def _plain_int(value):
    """A numpy integer as a Python int (grid searches pass them); anything else as it
    is, for the layers' own check to name."""
    return int(value) if isinstance(value, numbers.Integral) else value
