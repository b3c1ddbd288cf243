"""Base of the tfvae models: Keras arguments they cannot honour are refused or reported."""

import warnings

import keras

#: `compile` arguments a model that computes its own loss in `train_step` cannot use.
UNUSED_COMPILE_ARGUMENTS = ("loss", "loss_weights", "metrics", "weighted_metrics")


class UnsupervisedModel(keras.Model):
    """A `keras.Model` that trains on its own loss, without targets (`VAE`, `GANomaly`).

    Keras habits that would silently do something else are caught:

    - `compile(loss=..., metrics=...)` (also `loss_weights`, `weighted_metrics`) raises
      a `ValueError`: `train_step` computes the model's own loss and reports its terms.
    - `fit(x, y)` warns and drops `y` (the target is `x` itself); it warns too about
      `validation_data=(x_val, y_val)` (`test_step` skips the targets). `fit(x, x)`,
      the autoencoder habit, says nothing.
    - `export(...)` raises: Keras' export would serve `call` alone (the reconstruction,
      with no score, threshold or `is_anomaly`). `tfvae.export.export_model` writes the
      tfvae serving signatures; `keras.Model.export(model, path)` still gives Keras' one.

    Subclasses set `LOSS_DESCRIPTION`, said in the `compile` error.
    """

    LOSS_DESCRIPTION = "its own loss"

    def compile(self, optimizer="rmsprop", **kwargs):
        unused = {k: kwargs[k] for k in UNUSED_COMPILE_ARGUMENTS if _given(kwargs.get(k))}
        if unused:
            received = ", ".join(f"{k}={v!r}" for k, v in unused.items())
            reported = ", ".join(f"`{tracker.name}`" for tracker in self.metrics)
            raise ValueError(
                f"{type(self).__name__} trains on {self.LOSS_DESCRIPTION} in its `train_step` "
                f"and reports {reported}; it cannot use {', '.join(unused)}. Call "
                "`compile(optimizer=...)` without them, and compute other measures on its "
                f"scores (`tfvae.anomaly_scores`). Received: {received}"
            )
        for name in UNUSED_COMPILE_ARGUMENTS:
            kwargs.pop(name, None)
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        # As keras.Model's, which skips models that override `compile` (a loaded model
        # would come back uncompiled, without its optimizer state).
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if hasattr(self, "optimizer") and self.built:
            self.optimizer.build(self.trainable_variables)

    def fit(self, x=None, y=None, *args, **kwargs):
        if y is not None and y is not x:
            self._warn_targets("y")
        validation = kwargs.get("validation_data")
        if isinstance(validation, (tuple, list)) and len(validation) > 1:
            if validation[1] is not None and validation[1] is not validation[0]:
                self._warn_targets("the targets of `validation_data`")  # test_step skips them
        return super().fit(x, None, *args, **kwargs)

    def _warn_targets(self, what):
        warnings.warn(
            f"{type(self).__name__}.fit ignores {what}: the model learns to reconstruct `x` "
            "(its target is `x` itself). Call `fit(x)`; labels serve evaluation "
            "(`tfvae.evaluation.evaluate`).",
            UserWarning,
            stacklevel=3,
        )

    def export(self, filepath, format="tf_saved_model", **kwargs):
        raise NotImplementedError(
            f"Keras' `export` would serve {type(self).__name__}.call alone (the "
            "reconstruction: no score, threshold or is_anomaly). Export with "
            "`tfvae.export.export_model(model, out_dir, name=...)` (or `tfvae export`): "
            "TF Serving signatures score, feature_errors, encode and reconstruct, the "
            "threshold, metadata and TFLite files. For Keras' export of the reconstruction, "
            f"call `keras.Model.export(model, {filepath!r})`."
        )


def _given(value):
    """Whether a `compile` argument asks for something (`None`, `[]` and `{}` do not)."""
    return value is not None and not (isinstance(value, (list, tuple, dict)) and not value)
