"""`tfvae train` builds its dense models with the detectors' builder: same settings, same model."""

import numpy as np

from tfvae.data.array_sources import ArrayBundle
from tfvae.detectors import VAEDetector
from tfvae.training.build import build_model
from tfvae.training.config import from_dict
from tfvae.training.run_inputs import ArrayInputs


def _configs(model):
    return {
        "class": type(model).__name__,
        "encoder": model.encoder.get_config(),
        "decoder": model.decoder.get_config(),
        "preprocessor": {k: v for k, v in model.preprocessor.get_config().items() if k != "name"},
        "observation_noise": model.observation_noise,
        "trim_fraction": model.trim_fraction,
    }


def test_default_config_builds_the_default_detector_model():
    x = np.random.default_rng(0).lognormal(size=(200, 7)).astype("float32")
    inputs = ArrayInputs(ArrayBundle(x, x[:10], x[:10], None, None, "table"))
    from_cli = build_model(from_dict({"loss": {"kl_warmup_epochs": 0}}), inputs)
    from_detector = VAEDetector()._build_model(x, None)
    assert _configs(from_cli) == _configs(from_detector)
    assert from_cli.members == 3 and from_cli.preprocessor.knee == 3.0
    # The detector's default score needs a bank of training rows, which runs do not fill.
    assert (from_cli.score_name, from_detector.score_name) == ("negative_elbo", "elbo_neighbours")
