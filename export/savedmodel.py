"""The SavedModel for TF Serving: one `tf.Module` owns the model, its threshold and signatures."""

import os
import types

import tensorflow as tf

from tfvae.export.signatures import build_signatures


class ServingModule(tf.Module):
    """Holds a VAE, its threshold variable and the metadata asset, and saves them.

    The threshold is the model's own variable (`vae.threshold`), saved with the
    weights and frozen into constants by the TFLite converter; it is also reachable
    as `tf.saved_model.load(path).threshold`.

    Args:
        model: a built, calibrated `tfvae.models.VAE`.
    """

    def __init__(self, model):
        super().__init__(name="tfvae_serving")
        # Track the variables only (as keras.export.ExportArchive does): tracking the
        # Keras model would also save its optimizer and metric functions, which
        # assign variables and so stop the TFLite converter from freezing them.
        self._held = types.SimpleNamespace(model=model)
        self.model_variables = [variable.value for variable in model.variables]
        self.threshold = model.threshold.value
        # Lookup tables (StringLookup in a TabularPreprocessor) are resources, not
        # variables: the signatures capture them, so they must be tracked too.
        self.lookup_tables = [
            layer.lookup_table
            for layer in model._flatten_layers(include_self=True, recursive=True)
            if getattr(layer, "lookup_table", None) is not None
        ]

    def save(self, directory, metadata_path=None):
        """Writes the SavedModel to `directory` (with `metadata_path` as an asset).

        Returns:
            The tuple of signature names written.
        """
        if metadata_path is not None:
            self.metadata = tf.saved_model.Asset(os.fspath(metadata_path))
        signatures = build_signatures(self._held.model)
        tf.saved_model.save(self, os.fspath(directory), signatures=signatures)
        return tuple(signatures)
