"""Atomic writes for evaluation outputs (the core helpers in `tfvae.atomic`)."""

from tfvae.atomic import write_json, write_text

__all__ = ["write_json", "write_text"]
