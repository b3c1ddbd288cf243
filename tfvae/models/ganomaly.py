"""GANomaly: a GAN-based anomaly detector as a subclassed Keras model with its own train step."""

import math

import keras
import numpy as np
import tensorflow as tf

from tfvae import losses
from tfvae.models._config import deserialize_layers, threshold_value
from tfvae.models._validation import check_choice
from tfvae.models.unsupervised_model import UnsupervisedModel
from tfvae.score_names import GAN_SCORE_NAMES, GAN_SCORES
from tfvae.serving import ABSENT_OUTPUTS, GAN_SIGNATURES


def _first(outputs):
    """The first output of an encoder-style layer (`z_mean` of `(z_mean, z_log_var)`)."""
    return outputs[0] if isinstance(outputs, (tuple, list)) else outputs


@keras.saving.register_keras_serializable(package="tfvae")
class GANomaly(UnsupervisedModel):
    """GAN-based anomaly detector following GANomaly (Akcay, Atapour-Abarghouei and
    Breckon, "GANomaly: Semi-Supervised Anomaly Detection via Adversarial Training",
    ACCV 2018, arXiv:1805.06725).

    The generator is an encoder-decoder-encoder: `encoder` maps features `x` to a latent
    point `z = E(x)`, `decoder` generates `x_hat = G(z)` and `latent_encoder` re-encodes
    it, `z_hat = E'(x_hat)`. The discriminator (`discriminator`, an encoder-style layer
    whose first output is its feature vector `f(x)`, plus a one-unit logit head) tells
    real rows from generated ones. One `train_step` updates both players from the same
    forward pass (simultaneous gradient steps, one optimizer, each variable getting the
    gradient of its own player's loss):

    - generator: `adversarial_weight * mean((f(x) - f(x_hat))**2)` (feature matching)
      `+ contextual_weight * mean(|x - x_hat|)` `+ latent_weight * mean((z - z_hat)**2)`,
      with the paper's weights 1, 50, 1 by default;
    - discriminator: binary cross-entropy, real rows 1 and generated rows 0.

    Both per-example losses are reduced over the *global* batch
    (`tfvae.losses.average_over_global_batch`), so training is right under any
    `tf.distribute` strategy. Nothing is sampled: training (apart from data order) and
    scoring are deterministic.

    Scores (`score_terms`, which `tfvae.anomaly_scores` returns for this model with the
    decisions added): the
    reconstruction error through encoder and generator, the discriminator-feature
    residual, GANomaly's latent error, and `combined` = reconstruction error / `s_r` +
    `feature_weight` * feature residual / `s_f`: the izi_f score of f-AnoGAN (Schlegl
    et al., Medical Image Analysis 54, 2019; kappa = `feature_weight`) with each term
    divided by a reference scale, `score_scales = [s_r, s_f]` (a non-trainable variable,
    1 and 1 until `calibrate_score_scales` sets them to the medians on training rows), so
    neither term dominates by its units.

    Args:
        encoder: encoder-style layer (`DenseEncoder`, `ConvEncoder`): features ->
            `(z, ...)`; only the first output is used.
        decoder: layer mapping latent points to features (`DenseDecoder`, `ConvDecoder`).
        latent_encoder: encoder-style layer re-encoding generated features (same kind
            as `encoder`, with the same latent size).
        discriminator: encoder-style layer whose first output is the discriminator's
            feature vector; a `Dense(1)` logit head is added on top.
        preprocessor: optional layer applied to the raw inputs first (a `FeatureScaler`
            or `Rescaling` layer; files saved by earlier versions hold a `Normalization`);
            losses and scores are computed on its output.
        adversarial_weight: float. Weight of the feature-matching loss.
        contextual_weight: float. Weight of the L1 reconstruction loss.
        latent_weight: float. Weight of the latent (encoder) loss.
        feature_weight: float. Weight of the (scaled) feature residual in the `combined`
            score.
        score_name: str. The score thresholds apply to, one of `GAN_SCORE_NAMES`.
        threshold: float or None. Decision threshold on `score_name`, stored as a variable
            so it travels with the saved model and its exports.
        seed: int or None. Kept for the record (the model itself samples nothing).
        feature_names: list of str or None. Names of the input columns.
        **kwargs: base `Model` arguments.

    Example:
    ```python
    gan = GANomaly(DenseEncoder(8), DenseDecoder(30), DenseEncoder(8), DenseEncoder(16))
    gan.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(x_train, epochs=20, batch_size=64)
    tfvae.anomaly_scores(gan, x_test)["score"]
    ```
    """

    #: Output keys of each exported `features` signature (see `tfvae.serving`).
    export_signatures = GAN_SIGNATURES
    absent_outputs = ABSENT_OUTPUTS

    LOSS_DESCRIPTION = (
        "the generator's adversarial + contextual + latent losses and the discriminator's loss"
    )

    #: Config entries that do not enter a traced graph (see `VAE.UNTRACED_CONFIG`).
    UNTRACED_CONFIG = ("threshold", "feature_names", "seed")  # the model samples nothing

    def __init__(
        self,
        encoder,
        decoder,
        latent_encoder,
        discriminator,
        preprocessor=None,
        adversarial_weight=1.0,
        contextual_weight=50.0,
        latent_weight=1.0,
        feature_weight=1.0,
        score_name="combined",
        threshold=None,
        seed=None,
        feature_names=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.latent_encoder = latent_encoder
        self.discriminator = discriminator
        self.preprocessor = preprocessor
        for name, value in (
            ("adversarial_weight", adversarial_weight),
            ("contextual_weight", contextual_weight),
            ("latent_weight", latent_weight),
            ("feature_weight", feature_weight),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(
                    f"Expected `{name}` to be a non-negative float. Received: {name}={value!r}"
                )
        self.adversarial_weight = float(adversarial_weight)
        self.contextual_weight = float(contextual_weight)
        self.latent_weight = float(latent_weight)
        self.feature_weight = float(feature_weight)
        self.score_name = check_choice("score_name", score_name, GAN_SCORE_NAMES)
        self.seed = seed
        self.feature_names = None if feature_names is None else [str(n) for n in feature_names]
        self.discriminator_head = keras.layers.Dense(1, name="discriminator_logit")
        self.threshold = keras.Variable(
            math.nan if threshold is None else float(threshold),
            trainable=False,
            name="threshold",
            dtype="float32",
        )
        self.score_scales = keras.Variable(
            [1.0, 1.0], trainable=False, name="score_scales", dtype="float32"
        )
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in (
                "loss",
                "contextual_loss",
                "adversarial_loss",
                "latent_loss",
                "discriminator_loss",
            )
        }

    def build(self, input_shape):
        feature_shape = input_shape
        if self.preprocessor is not None:
            if not self.preprocessor.built:
                self.preprocessor.build(input_shape)
            feature_shape = self.preprocessor.compute_output_shape(input_shape)
        # Children deserialised from a `.keras` file arrive built.
        for layer in (self.encoder, self.latent_encoder, self.discriminator):
            if not layer.built:
                layer.build(feature_shape)
        latent_shape = self.encoder.compute_output_shape(feature_shape)[0]
        if not self.decoder.built:
            self.decoder.build(latent_shape)
        if not self.discriminator_head.built:
            self.discriminator_head.build(self.discriminator.compute_output_shape(feature_shape)[0])
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers.values())

    def features(self, inputs):
        """The tensor that is encoded and reconstructed: preprocessed inputs, float32."""
        if self.preprocessor is not None:
            inputs = self.preprocessor(inputs)
        return tf.cast(inputs, "float32")

    def encode(self, features, training=False):
        """`z = E(x)`, float32."""
        return tf.cast(_first(self.encoder(features, training=training)), "float32")

    def generate(self, z, training=False):
        """`G(z)`, float32."""
        return tf.cast(self.decoder(z, training=training), "float32")

    def reencode(self, generated, training=False):
        """`z_hat = E'(G(z))`, float32."""
        return tf.cast(_first(self.latent_encoder(generated, training=training)), "float32")

    def discriminate(self, features, training=False):
        """`(logit, f(x))`: the discriminator's logit `[batch]` and feature vector, float32."""
        hidden = tf.cast(_first(self.discriminator(features, training=training)), "float32")
        logit = tf.cast(self.discriminator_head(hidden), "float32")
        return tf.reshape(logit, [-1]), hidden

    def call(self, inputs, training=False):
        return self.generate(self.encode(self.features(inputs), training), training)

    def _forward(self, features, training):
        z = self.encode(features, training)
        reconstruction = self.generate(z, training)
        z_hat = self.reencode(reconstruction, training)
        return z, reconstruction, z_hat

    def loss_terms(self, inputs, training=False):
        """Per-example generator loss (and its parts) and discriminator loss."""
        features = self.features(inputs)
        z, reconstruction, z_hat = self._forward(features, training)
        real_logit, real_features = self.discriminate(features, training)
        # One pass over the generated rows serves both players: `train_step` takes the
        # discriminator loss's gradient with respect to the discriminator's variables only.
        fake_logit, fake_features = self.discriminate(reconstruction, training)
        adversarial = losses.reconstruction_error(real_features, fake_features, "mse")
        contextual = losses.reconstruction_error(features, reconstruction, "mae")
        latent = losses.reconstruction_error(z, z_hat, "mse")
        generator = (
            self.adversarial_weight * adversarial
            + self.contextual_weight * contextual
            + self.latent_weight * latent
        )
        # Binary cross-entropy with logits: real -> 1, generated -> 0.
        discriminator = tf.math.softplus(-real_logit) + tf.math.softplus(fake_logit)
        return {
            "loss": generator,
            "contextual_loss": contextual,
            "adversarial_loss": adversarial,
            "latent_loss": latent,
            "discriminator_loss": discriminator,
        }

    def _build_for(self, inputs):
        # Without a strategy, Keras defers building to the first trace of train_step,
        # which never calls `self(...)`; build here so every variable exists.
        if not self.built:
            self.build(keras.tree.map_structure(lambda t: tuple(t.shape), inputs))

    def discriminator_variables(self):
        """The trainable variables of the discriminator player (body and logit head)."""
        return self.discriminator.trainable_variables + self.discriminator_head.trainable_variables

    def train_step(self, data):
        inputs, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        self._build_for(inputs)
        with tf.GradientTape(persistent=True) as tape:
            terms = self.loss_terms(inputs, training=True)
            generator_loss = losses.average_over_global_batch(terms["loss"], sample_weight)
            discriminator_loss = losses.average_over_global_batch(
                terms["discriminator_loss"], sample_weight
            )
            if self.losses:
                regularization = tf.nn.scale_regularization_loss(tf.add_n(self.losses))
                generator_loss += regularization
                discriminator_loss += regularization
            scaled = {
                "generator": self.optimizer.scale_loss(generator_loss),
                "discriminator": self.optimizer.scale_loss(discriminator_loss),
            }
        variables = self.trainable_variables
        discriminator_ids = {id(v) for v in self.discriminator_variables()}
        players = {
            "generator": [v for v in variables if id(v) not in discriminator_ids],
            "discriminator": [v for v in variables if id(v) in discriminator_ids],
        }
        gradient_of = {}
        for player, player_variables in players.items():
            for v, g in zip(player_variables, tape.gradient(scaled[player], player_variables)):
                gradient_of[id(v)] = g
        del tape
        # Unused heads (the encoders' z_log_var) get a zero gradient, an exact no-op for
        # Adam/SGD, so the optimizer's slots stay aligned with `trainable_variables`
        # (the order a reloaded optimizer is built in).
        gradients = [
            tf.zeros_like(v) if gradient_of[id(v)] is None else gradient_of[id(v)]
            for v in variables
        ]
        self.optimizer.apply(gradients, variables)
        return self._update_trackers(terms, sample_weight)

    def test_step(self, data):
        inputs, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        self._build_for(inputs)
        return self._update_trackers(self.loss_terms(inputs, training=False), sample_weight)

    def _update_trackers(self, terms, sample_weight):
        for name, tracker in self.trackers.items():
            tracker.update_state(terms[name], sample_weight=sample_weight)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def score_terms(self, inputs, mc_samples=0, seed=0):
        """Every anomaly score of the GAN for a batch, deterministically.

        `tfvae.anomaly_scores` calls it for this model and adds `valid` and
        `is_anomaly` (so Keras, the detector, the SavedModel and TFLite share it).

        Args:
            inputs: tensor `[batch, ...]`.
            mc_samples: must be 0: nothing is sampled.
            seed: unused (kept for the `anomaly_scores` signature).

        Returns:
            A dict of tensors: `GAN_SCORE_OUTPUTS` (float32 `[batch]`), plus
            `feature_errors` (squared error, shape of the features), `features`,
            `reconstruction`, `z_mean` (the latent point `E(x)`) and `z_reconstruction`
            (`E'(G(E(x)))`).
        """
        if mc_samples:
            raise ValueError(
                f"A GANomaly model samples nothing. Expected mc_samples=0. Received: {mc_samples!r}"
            )
        features = self.features(inputs)
        z, reconstruction, z_hat = self._forward(features, training=False)
        _, real_features = self.discriminate(features)
        _, fake_features = self.discriminate(reconstruction)
        outputs = {
            "features": features,
            "reconstruction": reconstruction,
            "z_mean": z,
            "z_reconstruction": z_hat,
            "feature_errors": losses.squared_error(features, reconstruction),
            "reconstruction_error": losses.reconstruction_error(features, reconstruction, "mse"),
            "reconstruction_error_mae": losses.reconstruction_error(
                features, reconstruction, "mae"
            ),
            "feature_residual": losses.reconstruction_error(real_features, fake_features, "mse"),
            "latent_error": losses.reconstruction_error(z, z_hat, "mse"),
        }
        outputs["combined"] = (
            outputs["reconstruction_error"] / self.score_scales[0]
            + self.feature_weight * outputs["feature_residual"] / self.score_scales[1]
        )
        outputs["score"] = outputs[self.score_name]
        return outputs

    def calibrate_score_scales(self, reconstruction_error, feature_residual):
        """Sets `score_scales` to the medians of these scores (of training rows).

        Args:
            reconstruction_error: array `[rows]` of the `"reconstruction_error"` score.
            feature_residual: array `[rows]` of the `"feature_residual"` score.
        """
        scales = [float(np.median(reconstruction_error)), float(np.median(feature_residual))]
        # A zero median (a perfect fit) keeps unit scale rather than dividing by zero.
        self.score_scales.assign([s if np.isfinite(s) and s > 0 else 1.0 for s in scales])

    def score_definition(self):
        """One sentence defining `score` (export metadata)."""
        scales = keras.ops.convert_to_numpy(self.score_scales)
        return (
            GAN_SCORES[self.score_name].replace(
                "feature_weight times", f"{self.feature_weight:g} times"
            )
            + (
                f" (medians {scales[0]:.6g} and {scales[1]:.6g})"
                if self.score_name == "combined"
                else ""
            )
            + "; deterministic: nothing is sampled"
        )

    def get_config(self):
        def serialize(layer):
            return None if layer is None else keras.layers.serialize(layer)

        return {
            **super().get_config(),
            "encoder": serialize(self.encoder),
            "decoder": serialize(self.decoder),
            "latent_encoder": serialize(self.latent_encoder),
            "discriminator": serialize(self.discriminator),
            "preprocessor": serialize(self.preprocessor),
            "adversarial_weight": self.adversarial_weight,
            "contextual_weight": self.contextual_weight,
            "latent_weight": self.latent_weight,
            "feature_weight": self.feature_weight,
            "score_name": self.score_name,
            "threshold": self.threshold_value(),
            "seed": self.seed,
            "feature_names": self.feature_names,
        }

    @classmethod
    def from_config(cls, config):
        keys = ("encoder", "decoder", "latent_encoder", "discriminator", "preprocessor")
        return cls(**deserialize_layers(config, keys))

    def threshold_value(self):
        """The decision threshold as a Python float, or None when not calibrated."""
        return threshold_value(self.threshold)
