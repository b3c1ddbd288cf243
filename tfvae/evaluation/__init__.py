"""Evaluation: metrics at the model's threshold, a JSON + Markdown report, and plots."""

from tfvae import _launched_as_command

# Under the `tfvae` command the names are not imported (`tfvae evaluate --help` must not
# import TensorFlow; the command imports what it uses). Not lazy attributes: importing
# the submodule `evaluate` would replace a lazily bound `evaluate` function.
if not _launched_as_command():
    from tfvae.evaluation.data import read_labelled_data
    from tfvae.evaluation.evaluate import evaluate
    from tfvae.evaluation.report import render_report, write_report

__all__ = ["evaluate", "read_labelled_data", "render_report", "write_report"]
