"""Scoring: the one scoring function (`anomaly_scores`), its traced forms for batches of
rows, the per-example error terms it computes, and the latent neighbour bank.

Table scoring (`tfvae.scoring.tables`, pyarrow) is not imported here, so `import
tfvae.scoring` stays free of pyarrow.
"""

from tfvae.scoring.neighbour_bank import remember_neighbours
from tfvae.scoring.scores import (
    SCORE_OUTPUTS,
    anomaly_scores,
    batch_scorer,
    score_in_batches,
    score_outputs,
)

__all__ = [
    "SCORE_OUTPUTS",
    "anomaly_scores",
    "batch_scorer",
    "remember_neighbours",
    "score_in_batches",
    "score_outputs",
]
