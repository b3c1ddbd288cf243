"""The names of the anomaly scores and what each one measures (imports no TensorFlow).

Higher is more anomalous for every score. A model's `score_name` picks the one its
threshold applies to; `tfvae.scores.anomaly_scores` computes them all.
"""

#: Scores of a VAE (or Autoencoder: `kl` is 0 there) -> definition, as exports describe them.
VAE_SCORES = {
    "negative_elbo": "negative ELBO: negative log-likelihood of the features under the decoded "
    "posterior mean plus KL(q(z|x) || N(0, I))",
    "reconstruction_error": "mean squared error between the features and their reconstruction",
    "reconstruction_error_mae": "mean absolute error between the features and their reconstruction",
    "kl": "KL(q(z|x) || N(0, I)) of the encoder's posterior",
    "neighbour_distance": "distance of the posterior mean to its k-th nearest posterior mean "
    "among the training rows the model remembers (mean over ensemble members)",
    "elbo_neighbours": "negative ELBO plus neighbour distance, each as a robust z-score on "
    "held-out rows (median, IQR) passed through sign(z) * log(1 + |z|)",
}
#: Scores that need a model with remembered training rows (`tfvae.remember_neighbours`).
NEIGHBOUR_SCORES = ("neighbour_distance", "elbo_neighbours")
#: What a VAE's `score_name` (and a `tfvae train` config's `model.score_name`) can be.
SCORE_NAMES = tuple(VAE_SCORES)
