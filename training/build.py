"""Builds the model and optimizer a config describes (call inside `strategy.scope()`)."""

import keras

from tfvae.fitting.builder import build_conv_vae, build_dense_vae


def build_model(config, inputs):
    """Creates and builds the VAE (or Autoencoder) of `config.model` for `inputs`.

    Models come from `tfvae.fitting.builder` (`build_dense_vae`, `build_conv_vae`), the
    builder of the detectors, so the same settings give the same model. The
    preprocessing layer (a `FeatureScaler` for arrays, the `TabularPreprocessor` of a
    table) comes from `inputs` with its statistics in its config (saved in the `.keras`
    file; no `adapt` runs under a strategy).

    Args:
        config: a `TrainConfig`.
        inputs: the run's `ArrayInputs` or `TableInputs`.

    Returns:
        A built, uncompiled `tfvae.models.VAE`.
    """
    m = config.model
    feature_shape = inputs.feature_shape
    expected = 3 if m.architecture == "conv" else 1
    if len(feature_shape) != expected:
        kind = "images [height, width, channels]" if expected == 3 else "a table [rows, features]"
        raise ValueError(
            f"model.architecture={m.architecture!r} needs {kind}; the {config.data.source} data "
            f"has feature shape {list(feature_shape)}."
        )
    kwargs = dict(
        variational=m.type != "autoencoder",
        # Starts at 0 under KL warm-up; the KLWarmup callback raises it.
        beta=0.0 if config.loss.kl_warmup_epochs else config.loss.beta,
        likelihood=m.likelihood,
        observation_noise=m.observation_noise,
        preprocessor=inputs.preprocessor(m),
        score_name=m.score_name,
        seed=config.training.seed,
        feature_names=inputs.feature_names,
        trim_fraction=m.trim_fraction,
    )
    if m.architecture == "conv":
        model = build_conv_vae(feature_shape, m.latent_dim, m.hidden_units[0], m.filters, **kwargs)
    else:
        model = build_dense_vae(
            int(feature_shape[0]),
            latent_dim=m.latent_dim,
            hidden_units=m.hidden_units,
            activation=m.activation,
            dropout=m.dropout,
            members=m.members,
            **kwargs,
        )
    model.build(inputs.input_shape)
    return model


def learning_rate(config, steps_per_epoch):
    """The learning rate or `LearningRateSchedule` of `config.optimizer`."""
    o = config.optimizer
    if o.schedule == "constant":
        return o.learning_rate
    decay_steps = max(1, int(round(o.decay_epochs * steps_per_epoch)))
    if o.schedule == "exponential":
        return keras.optimizers.schedules.ExponentialDecay(
            o.learning_rate, decay_steps, o.decay_rate
        )
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
