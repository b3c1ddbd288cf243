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
}
#: What a VAE's `score_name` (and a `tfvae train` config's `model.score_name`) can be.
SCORE_NAMES = tuple(VAE_SCORES)
