"""Builds the model and optimizer a config describes (call inside `strategy.scope()`)."""

import keras
import numpy as np

from tfvae.models import VAE, Autoencoder, ConvDecoder, ConvEncoder, DenseDecoder, DenseEncoder


def _normalizer(x_train):
    # Statistics from numpy and passed to the constructor, so they are part of the
    # layer config (saved in the .keras file) and no `adapt` runs under a strategy.
    # Columns constant in training keep their units (variance 1) instead of being
    # divided by ~1e-7, which would turn any other value into an overflow.
    mean = x_train.mean(axis=0)
    variance = x_train.var(axis=0)
    variance = np.where(variance > 0, variance, 1.0)
    return keras.layers.Normalization(mean=mean, variance=variance, name="normalize")


def build_model(config, bundle):
    """Creates and builds the VAE (or Autoencoder) of `config.model` for `bundle`.

    Args:
        config: a `TrainConfig`.
        bundle: the `DataBundle` (input shape, training rows for normalisation).

    Returns:
        A built, uncompiled `tfvae.models.VAE`.
    """
    m = config.model
    feature_shape = bundle.x_train.shape[1:]
    if m.architecture == "conv":
        if len(feature_shape) != 3:
            raise ValueError(
                f"model.architecture='conv' needs images [height, width, channels]; the "
                f"{config.data.source} data has feature shape {list(feature_shape)}."
            )
        encoder = ConvEncoder(m.latent_dim, filters=list(m.filters), dense_units=m.hidden_units[0])
        output_activation = "sigmoid" if m.likelihood == "bernoulli" else None
        decoder = ConvDecoder(
            feature_shape, filters=list(reversed(m.filters)), output_activation=output_activation
        )
    else:
        if len(feature_shape) != 1:
            raise ValueError(
                f"model.architecture='dense' needs a table [rows, features]; the data has "
                f"feature shape {list(feature_shape)}. Use model.architecture: conv for images."
            )
        encoder = DenseEncoder(m.latent_dim, list(m.hidden_units), m.activation, m.dropout)
        output_activation = "sigmoid" if m.likelihood == "bernoulli" else None
        decoder = DenseDecoder(
            int(feature_shape[0]),
            list(reversed(m.hidden_units)),
            m.activation,
            output_activation=output_activation,
        )
    kwargs = dict(
        likelihood=m.likelihood,
        observation_noise=m.observation_noise,
        preprocessor=_normalizer(bundle.x_train) if m.normalize else None,
        score_name=m.score_name,
        seed=config.training.seed,
        feature_names=bundle.feature_names,
    )
    if m.type == "autoencoder":
        model = Autoencoder(encoder, decoder, **kwargs)
    else:
        # Starts at 0 under KL warm-up; the KLWarmup callback raises it.
        beta = 0.0 if config.loss.kl_warmup_epochs else config.loss.beta
        model = VAE(encoder, decoder, beta=beta, **kwargs)
    model.build((None, *feature_shape))
    return model


def learning_rate(config, steps_per_epoch):
    """The learning rate or `LearningRateSchedule` of `config.optimizer`."""
    o = config.optimizer
    if o.schedule == "constant":
        return o.learning_rate
    decay_steps = max(1, int(round(o.decay_epochs * steps_per_epoch)))
    if o.schedule == "exponential":
        return keras.optimizers.schedules.ExponentialDecay(o.learning_rate, decay_steps, o.decay_rate)
    total = max(decay_steps, config.training.epochs * steps_per_epoch)
    return keras.optimizers.schedules.CosineDecay(o.learning_rate, total, alpha=o.decay_rate)


def build_optimizer(config, steps_per_epoch):
    """Creates the optimizer (Keras wraps it in a LossScaleOptimizer under mixed_float16)."""
    o = config.optimizer
    classes = {
        "adam": keras.optimizers.Adam,
        "adamw": keras.optimizers.AdamW,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
    }
    kwargs = {"learning_rate": learning_rate(config, steps_per_epoch)}
    if o.clipnorm is not None:
        kwargs["clipnorm"] = o.clipnorm
    return classes[o.name](**kwargs)
