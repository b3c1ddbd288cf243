"""Variational autoencoder as a subclassed Keras model with custom train/test steps."""

import math

import keras
import numpy as np
import tensorflow as tf

from tfvae import losses
from tfvae.models._config import deserialize_layers, threshold_value
from tfvae.models._validation import check_choice
from tfvae.models.sampling import Sampling
from tfvae.models.unsupervised_model import UnsupervisedModel
from tfvae.score_names import SCORE_NAMES

OBSERVATION_NOISE = ("fixed", "learned")
#: Bound of the posterior log-variance (exp(30) ~ 1e13 stays far from float32 overflow).
LOG_VAR_LIMIT = 30.0
#: Noise step of every evaluation batch (`test_step`): training steps count up from 0.
VALIDATION_NOISE_STEP = -1


@keras.saving.register_keras_serializable(package="tfvae")
class VAE(UnsupervisedModel):
    """Variational autoencoder trained on reconstruction + `beta` * KL.

    `call` returns the reconstruction of the posterior mean (deterministic), or of a
    sample when `training=True`. `train_step` and `test_step` compute the per-example
    loss and reduce it over the *global* batch, so gradients are right under any
    `tf.distribute` strategy; under mixed precision the loss is scaled by the
    optimizer. Anomaly scores come from `tfvae.scoring.scores.anomaly_scores`. Keras
    arguments it cannot honour (`compile(loss=...)`, `fit(x, y)`, `export`) are
    refused or reported (`UnsupervisedModel`).

    Args:
        encoder: layer mapping features to `(z_mean, z_log_var)`.
        decoder: layer mapping latent codes to reconstructions.
        beta: float. Weight of the KL term; a non-trainable variable, so a callback
            can change it during training (KL warm-up).
        likelihood: str. `"gaussian"` (tables) or `"bernoulli"` (images in [0, 1]).
        observation_noise: str. For a Gaussian likelihood: `"fixed"` (unit variance,
            i.e. half the summed squared error) or `"learned"` (one trainable
            log-variance per feature).
        preprocessor: optional layer applied to the raw inputs first (e.g. a
            `Normalization` layer, or the tabular preprocessing model); losses and
            scores are computed on its output.
        score_name: str. The score that thresholds apply to, one of `SCORE_NAMES`.
        threshold: float or None. Decision threshold on `score_name`; stored as a
            variable so it travels with the saved model and its exports.
        seed: int or None. Seed of the sampling layer.
        feature_names: list of str or None. Names of the input columns, kept for
            per-feature reports and export metadata.
        trim_fraction: float in [0, 0.5). Share of the highest-loss examples of each
            batch left out of the gradient (contamination-robust training: anomalies
            in the training data are the rows the model fits worst). 0 trains on all.
        neighbours: a `LatentNeighbours` layer or None. The bank of training rows'
            posterior means behind the `neighbour_distance` and `elbo_neighbours`
            scores (filled by `tfvae.remember_neighbours`).
        score_calibration: `[[elbo_center, distance_center], [elbo_scale,
            distance_scale]]` or None. Robust statistics of held-out rows that put the
            negative ELBO and the neighbour distance on one scale for `elbo_neighbours`;
            stored as a variable, like `threshold`.
        **kwargs: base `Model` arguments.

    Example:
    ```python
    vae = VAE(DenseEncoder(latent_dim=4), DenseDecoder(output_dim=30))
    vae.compile(optimizer="adam")
    vae.fit(x_train, epochs=10, batch_size=64)
    scores = tfvae.anomaly_scores(vae, x_test)["score"]
    ```
    """

    LOSS_DESCRIPTION = "the reconstruction negative log-likelihood + beta * KL"

    #: Config entries that do not enter a traced graph (values held in variables, names,
    #: the seed of the training noise: scores decode the posterior mean, and Monte Carlo
    #: scores take their own seed): one trace of the scores serves models differing only
    #: in them (`tfvae.scoring.shared_trace`). With `seed` in the key, a loop of fits with
    #: different seeds kept one trace per fit.
    UNTRACED_CONFIG = ("beta", "threshold", "feature_names", "score_calibration", "seed")

    def __init__(
        self,
        encoder,
        decoder,
        beta=1.0,
        likelihood="gaussian",
        observation_noise="fixed",
        preprocessor=None,
        score_name="negative_elbo",
        threshold=None,
        seed=None,
        feature_names=None,
        trim_fraction=0.0,
        neighbours=None,
        score_calibration=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not (isinstance(trim_fraction, (int, float)) and 0.0 <= trim_fraction < 0.5):
            raise ValueError(
                "Expected `trim_fraction` to be a float in [0, 0.5). "
                f"Received: trim_fraction={trim_fraction!r}"
            )
        self.trim_fraction = float(trim_fraction)
        self.encoder = encoder
        self.decoder = decoder
        self.preprocessor = preprocessor
        self.likelihood = check_choice("likelihood", likelihood, losses.LIKELIHOODS)
        self.observation_noise = check_choice(
            "observation_noise", observation_noise, OBSERVATION_NOISE
        )
        self.score_name = check_choice("score_name", score_name, SCORE_NAMES)
        if not (isinstance(beta, (int, float)) and not isinstance(beta, bool) and beta >= 0):
            raise ValueError(f"Expected `beta` to be a non-negative float. Received: beta={beta!r}")
        self.seed = seed
        self.feature_names = None if feature_names is None else [str(n) for n in feature_names]
        self.sampling = Sampling(seed=seed, name="sampling")
        self.beta = keras.Variable(float(beta), trainable=False, name="beta", dtype="float32")
        self.threshold = keras.Variable(
            math.nan if threshold is None else float(threshold),
            trainable=False,
            name="threshold",
            dtype="float32",
        )
        self.neighbours = neighbours
        self.score_calibration = keras.Variable(
            _calibration_values(score_calibration),
            trainable=False,
            name="score_calibration",
            dtype="float32",
        )
        self.observation_log_var = None
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def build(self, input_shape):
        feature_shape = input_shape
        if self.preprocessor is not None:
            if not self.preprocessor.built:
                self.preprocessor.build(input_shape)
            feature_shape = self.preprocessor.compute_output_shape(input_shape)
        # Children deserialised from a `.keras` file arrive built.
        if not self.encoder.built:
            self.encoder.build(feature_shape)
        latent_shape = self.encoder.compute_output_shape(feature_shape)[0]
        if not self.decoder.built:
            self.decoder.build(latent_shape)
        # Every layer built here, so `fit` never builds symbolically from a batch (which
        # fails on the per-replica batches of a distributed dataset).
        if not self.sampling.built:
            self.sampling.build([latent_shape, latent_shape])
        if self.neighbours is not None and not self.neighbours.built:
            self.neighbours.build(latent_shape)
        if self.likelihood == "gaussian" and self.observation_noise == "learned":
            self.observation_log_var = self.add_weight(
                shape=tuple(feature_shape[1:]), initializer="zeros", name="observation_log_var"
            )
        self.built = True

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    @property
    def members(self):
        """Number of ensemble members of the encoder/decoder (1 for a single VAE)."""
        return int(getattr(self.encoder, "members", 1))

    def member_targets(self, features):
        """`features` aligned with the decoder output (`[batch, 1, ...]` for an ensemble)."""
        return features if self.members == 1 else tf.expand_dims(features, 1)

    def average_members(self, values):
        """Averages a per-member `[batch, K, ...]` tensor over the members."""
        return values if self.members == 1 else tf.reduce_mean(values, axis=1)

    @property
    def variational(self):
        """Whether training samples the posterior (False for the `Autoencoder`)."""
        return True

    def features(self, inputs):
        """The tensor that is encoded and reconstructed: preprocessed inputs, float32."""
        if self.preprocessor is not None:
            inputs = self.preprocessor(inputs)
        return tf.cast(inputs, "float32")

    def posterior(self, features, training=False):
        """Returns `(z_mean, z_log_var)` in float32 (also under mixed precision).

        `z_log_var` is clipped to [-LOG_VAR_LIMIT, LOG_VAR_LIMIT]: a row far outside
        the training range would otherwise overflow `exp(z_log_var)` and turn its
        KL (and the gradients of a training batch) into inf/NaN.
        """
        z_mean, z_log_var = self.encoder(features, training=training)
        z_log_var = tf.clip_by_value(tf.cast(z_log_var, "float32"), -LOG_VAR_LIMIT, LOG_VAR_LIMIT)
        return tf.cast(z_mean, "float32"), z_log_var

    def decode(self, z, training=False):
        """Decodes latent codes to float32 reconstructions."""
        return tf.cast(self.decoder(z, training=training), "float32")

    def call(self, inputs, training=False):
        z_mean, z_log_var = self.posterior(self.features(inputs), training=training)
        z = self.sampling([z_mean, z_log_var]) if training and self.variational else z_mean
        return self.decode(z, training=training)

    def loss_terms(self, inputs, training=False, noise_step=None):
        """Per-example reconstruction NLL, KL and total loss on one sampled `z`.

        `noise_step` (an int tensor) makes the sample a function of the step
        (`Sampling`): training passes the optimizer's iterations, evaluation a
        constant, so a validation loss compares like with like across epochs.
        """
        features = self.features(inputs)
        z_mean, z_log_var = self.posterior(features, training=training)
        z = self.sampling([z_mean, z_log_var], step=noise_step) if self.variational else z_mean
        reconstruction = self.decode(z, training=training)
        # Summed over the members, so divided by K: the loss of one average member.
        nll = losses.negative_log_likelihood(
            self.member_targets(features), reconstruction, self.likelihood, self.observation_log_var
        ) / float(self.members)
        kl = losses.kl_divergence(z_mean, z_log_var) / float(self.members)
        loss = nll + self.beta * kl if self.variational else nll
        return {"loss": loss, "reconstruction_loss": nll, "kl_loss": kl}

    def _build_for(self, inputs):
        # Without a strategy, Keras defers building to the first trace of train_step,
        # which never calls `self(...)`; build here so every variable exists.
        if not self.built:
            self.build(keras.tree.map_structure(lambda t: tuple(t.shape), inputs))

    def train_step(self, data):
        inputs, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        self._build_for(inputs)
        with tf.GradientTape() as tape:
            terms = self.loss_terms(inputs, training=True, noise_step=self.optimizer.iterations)
            if self.trim_fraction:
                kept = losses.trimmed_weights(terms["loss"], self.trim_fraction)
                sample_weight = kept if sample_weight is None else sample_weight * kept
            loss = losses.average_over_global_batch(terms["loss"], sample_weight)
            if self.losses:
                loss += tf.nn.scale_regularization_loss(tf.add_n(self.losses))
            scaled_loss = self.optimizer.scale_loss(loss)
        variables = self.trainable_variables
        gradients = tape.gradient(scaled_loss, variables)
        # The Autoencoder never uses the z_log_var head. A zero gradient (an exact no-op
        # for Adam/SGD) keeps the optimizer's slots aligned with every trainable
        # variable, so a saved optimizer state reloads.
        gradients = [tf.zeros_like(v) if g is None else g for g, v in zip(gradients, variables)]
        self.optimizer.apply(gradients, variables)
        return self._update_trackers(terms, sample_weight)

    def test_step(self, data):
        inputs, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        self._build_for(inputs)
        terms = self.loss_terms(inputs, training=False, noise_step=VALIDATION_NOISE_STEP)
        return self._update_trackers(terms, sample_weight)

    def _update_trackers(self, terms, sample_weight):
        for tracker in self.metrics:
            tracker.update_state(terms[tracker.name], sample_weight=sample_weight)
        return {tracker.name: tracker.result() for tracker in self.metrics}

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.layers.serialize(self.encoder),
            "decoder": keras.layers.serialize(self.decoder),
            "beta": float(keras.ops.convert_to_numpy(self.beta)),
            "likelihood": self.likelihood,
            "observation_noise": self.observation_noise,
            "preprocessor": (
                None if self.preprocessor is None else keras.layers.serialize(self.preprocessor)
            ),
            "score_name": self.score_name,
            "threshold": self.threshold_value(),
            "seed": self.seed,
            "feature_names": self.feature_names,
            "trim_fraction": self.trim_fraction,
            "neighbours": (
                None if self.neighbours is None else keras.layers.serialize(self.neighbours)
            ),
            "score_calibration": self.score_calibration_value(),
        }

    @classmethod
    def from_config(cls, config):
        return cls(
            **deserialize_layers(config, ("encoder", "decoder", "preprocessor", "neighbours"))
        )

    def score_calibration_value(self):
        """`score_calibration` as nested lists of floats, or None when not calibrated."""
        values = keras.ops.convert_to_numpy(self.score_calibration)
        return None if np.isnan(values).any() else values.tolist()

    def threshold_value(self):
        """The decision threshold as a Python float, or None when not calibrated."""
        return threshold_value(self.threshold)


def _calibration_values(calibration):
    if calibration is None:
        return [[math.nan, math.nan], [math.nan, math.nan]]
    values = [[float(v) for v in row] for row in calibration]
    if [len(row) for row in values] != [2, 2] or not all(v > 0 for v in values[1]):
        raise ValueError(
            "Expected `score_calibration` as [[elbo_center, distance_center], [elbo_scale, "
            f"distance_scale]] with positive scales. Received: score_calibration={calibration!r}"
        )
    return values
