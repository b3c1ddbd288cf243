"""The names of the anomaly scores and what each one measures (imports no TensorFlow).

Higher is more anomalous for every score. A model's `score_name` picks the one its
threshold applies to; `tfvae.scoring.scores.anomaly_scores` computes them all (for a GAN, from
`GANomaly.score_terms`).
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

#: Scores of a GANomaly model -> definition (`GANomaly.score_definition` fills in the
#: feature weight and the medians).
GAN_SCORES = {
    "combined": "mean squared error between the features and G(E(x)), divided by its median on "
    "the training rows, plus feature_weight times the mean squared difference of the "
    "discriminator's features of x and G(E(x)), divided by its median on the training rows",
    "reconstruction_error": "mean squared error between the features and G(E(x))",
    "feature_residual": "mean squared difference of the discriminator's features of x and G(E(x))",
    "latent_error": "mean squared difference between E(x) and E'(G(E(x))) (GANomaly's score)",
}
#: What a GAN's `score_name` can be.
GAN_SCORE_NAMES = tuple(GAN_SCORES)
#: Per-example scores of `GANomaly.score_terms` (float32 `[batch]`), the `score` included.
GAN_SCORE_OUTPUTS = (
    "reconstruction_error",  # mean squared error between features and G(E(x))
    "reconstruction_error_mae",  # mean absolute error between features and G(E(x))
    "feature_residual",  # mean squared difference of discriminator features f(x), f(G(E(x)))
    "latent_error",  # mean squared difference of E(x) and E'(G(E(x))): GANomaly's own score
    "combined",  # reconstruction_error / s_r + feature_weight * feature_residual / s_f
    "score",  # the model's `score_name`, the one its threshold applies to
)
