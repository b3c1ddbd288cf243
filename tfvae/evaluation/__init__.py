"""Evaluation: metrics at the model's threshold, a JSON + Markdown report, and plots."""

from tfvae.evaluation.data import read_labelled_data
from tfvae.evaluation.evaluate import evaluate
from tfvae.evaluation.report import render_report, write_report

__all__ = ["evaluate", "read_labelled_data", "render_report", "write_report"]
