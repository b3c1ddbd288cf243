"""Distributed training of tfvae models: configs, strategies, callbacks, resumable runs.

Installed as `tfvae.training`; the core package never imports it.
"""

from tfvae.training.config import ConfigError, TrainConfig, from_dict, load_config, with_overrides
from tfvae.training.run import RunResult, train

__all__ = ["ConfigError", "RunResult", "TrainConfig", "from_dict", "load_config", "train", "with_overrides"]
