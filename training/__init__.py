"""Distributed training of tfvae models: configs, strategies, callbacks, resumable runs.

Installed as `tfvae.training`; the core package never imports it. This package imports
nothing, so `tfvae train --help` and config validation stay TensorFlow-free: import the
names from their modules (`tfvae.training.run.train`, `tfvae.training.config.load_config`).
"""
