"""Reads the feature spec (columns, kinds, vocabularies, statistics) out of a `.keras` file."""

import json
import os
import zipfile

from tfvae.preprocessing.tabular_preprocessor import SPEC_FORMAT


def read_feature_spec(path):
    """Returns the tabular feature spec stored in a saved tfvae model, without loading it.

    The `.keras` archive holds `config.json`; the VAE's `preprocessor` entry there
    carries every column spec, so the spec is plain JSON that other tools can read.

    Args:
        path: str. A `.keras` file holding a VAE with a `TabularPreprocessor`.

    Returns:
        dict with `format` and `columns` (as `TabularPreprocessor.feature_spec()`).

    Raises:
        ValueError: not a `.keras` archive, or no tabular preprocessor inside.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such model file: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError) as error:
        raise ValueError(f"{path} is not a .keras archive with a config.json: {error}") from error
    preprocessor = (config.get("config") or {}).get("preprocessor") or {}
    if preprocessor.get("class_name") != "TabularPreprocessor":
        raise ValueError(f"{path} holds no TabularPreprocessor (the model takes no raw columns).")
    return {"format": SPEC_FORMAT, "columns": preprocessor["config"]["columns"]}
