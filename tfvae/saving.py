"""Loads a tfvae `.keras` file with `safe_mode`, with one clear error for each bad file.

Keras reports a truncated or non-zip file as "File not found" and an unknown class
as a `TypeError` about `from_config`; users get instead a `ValueError` naming the
file and what is wrong with it. Importing this module registers every tfvae Keras
class, which `load_model` needs to find them.
"""

import os
import re
import zipfile

from tfvae.quoting import clean, quote


def _registered():
    import tfvae.models  # noqa: F401  (registers the models and layers)
    import tfvae.preprocessing  # noqa: F401  (registers tfvae>FeatureScaler, tfvae>TabularPreprocessor)


def load_keras(path):
    """Loads the model in `path` (a `.keras` file) with Keras `safe_mode`.

    Args:
        path: str or path-like.

    Returns:
        The Keras model.

    Raises:
        FileNotFoundError: no file at `path`.
        ValueError: the file is not a `.keras` zip archive, is truncated, or holds
            classes tfvae does not register (or code `safe_mode` refuses).

    Example:
    ```python
    vae = load_keras("runs/demo/model.keras")
    ```
    """
    path = os.fspath(path)
    shown = clean(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No model file at {shown}. Pass a `.keras` file saved by tfvae.")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{shown} is not a `.keras` model file (not a zip archive, or truncated); save the "
            "model again with `model.save(path)`."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(f"{shown} is a damaged `.keras` archive ({error}).") from None
    if bad is not None or "config.json" not in names:
        raise ValueError(
            f"{shown} is a damaged `.keras` archive (member {clean(bad or 'config.json')})."
        )
    _registered()
    import keras

    try:
        return keras.saving.load_model(path, safe_mode=True)
    except TypeError as error:
        # Keras hides "unknown class" behind a from_config TypeError: name the class.
        found = re.findall(r"'registered_name': '([^']+>[^']+)'", str(error))
        unknown = next((name for name in found if name not in _known()), None)
        raise ValueError(
            f"{shown} holds a class tfvae cannot load safely"
            f"{f' ({quote(unknown)})' if unknown else ''}: only registered tfvae and Keras classes load."
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as error:
        raise ValueError(
            f"{shown} is a damaged `.keras` file ({type(error).__name__}: {error})."
        ) from None


def _known():
    import keras

    return set(keras.saving.get_custom_objects())


def as_model(source, gan=False):
    """The tfvae model of `source`: a VAE itself, a fitted detector or a `.keras` path.

    The one place that turns what a user passes into a model (`tfvae score`,
    `export_model`, `evaluate`, `generate_anomalies`).

    Args:
        source: a `tfvae.models.VAE`/`Autoencoder` (or `GANomaly` when `gan`), a
            fitted tfvae detector (its `model_`), or the path of a `.keras` file.
        gan: bool. Accept a `GANomaly` too.

    Raises:
        ValueError: an unfitted detector, or anything else (named).
    """
    from tfvae.models import VAE, GANomaly

    classes = (VAE, GANomaly) if gan else (VAE,)
    model = source
    if isinstance(source, (str, os.PathLike)):
        if os.path.isdir(source):
            raise ValueError(
                f"{os.fspath(source)} is a folder; pass the `.keras` file (an export version "
                "folder is served with tf.saved_model.load or `tfvae score`)."
            )
        model = load_keras(source)
    elif not isinstance(source, classes) and hasattr(source, "score_samples"):
        if not hasattr(source, "model_"):
            raise ValueError(f"This {type(source).__name__} is not fitted: call `fit` first.")
        model = source.model_
    if not isinstance(model, classes):
        names = " or ".join(cls.__name__ for cls in classes)
        if isinstance(model, GANomaly):  # a GANDetector's model where a VAE is needed
            where = f"{clean(source)} holds" if isinstance(source, (str, os.PathLike)) else "Got"
            raise ValueError(
                f"{where} a GANomaly model (saved by GANDetector); this takes a tfvae VAE. Score "
                "it in Python with `GANDetector.load(path).score_samples(X)`, or export it "
                "(`tfvae export`) and serve the SavedModel."
            )
        received = clean(source) if isinstance(source, (str, os.PathLike)) else ""
        raise ValueError(
            f"Expected a tfvae {names}, a fitted detector or a `.keras` path. "
            f"Received {type(model).__name__}{f' from {received}' if received else ''}."
        )
    return model
