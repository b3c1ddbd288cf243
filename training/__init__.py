"""Distributed training of tfvae models: configs, strategies, callbacks, resumable runs.

Installed as `tfvae.training`; the core package never imports it.
"""

from tfvae._lazy import lazy_attributes

_NAMES = {
    "ConfigError": "tfvae.training.config",
    "TrainConfig": "tfvae.training.config",
    "from_dict": "tfvae.training.config",
    "load_config": "tfvae.training.config",
    "with_overrides": "tfvae.training.config",
    "RunResult": "tfvae.training.run",
    "train": "tfvae.training.run",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES)
