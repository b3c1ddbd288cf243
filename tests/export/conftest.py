"""Fixtures of the export tests: one tiny trained VAE, exported once per test session."""

import pytest
from export_helpers import train_vae

from tfvae.export import export_model


@pytest.fixture(scope="session")
def trained_vae():
    return train_vae()


@pytest.fixture(scope="session")
def exported(trained_vae, tmp_path_factory):
    """`(model, ExportResult)` with the SavedModel and all three TFLite variants."""
    out = tmp_path_factory.mktemp("exports")
    result = export_model(
        trained_vae, out, name="tiny", formats="savedmodel,tflite", quantize="none,float16,dynamic"
    )
    return trained_vae, result
