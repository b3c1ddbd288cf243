"""The one scoring function: every path (Keras, detector, SavedModel, TFLite) calls it.

Higher is more anomalous for every score.
"""

import tensorflow as tf

from tfvae import losses
from tfvae.score_names import NEIGHBOUR_SCORES, SCORE_NAMES
from tfvae.scoring import error_terms as terms_lib
from tfvae.scoring.row_slices import row_slices
from tfvae.scoring.shared_trace import shared_function
from tfvae.serving import OUTPUT_TERMS

#: Per-example scores of `anomaly_scores`, float32 `[batch]`: the named scores
#: (`tfvae.score_names`, with their definitions) and `score`, the model's `score_name`,
#: the one its threshold applies to.
SCORE_OUTPUTS = (*SCORE_NAMES, "score")
#: Every output of `anomaly_scores`.
ALL_OUTPUTS = (
    *SCORE_OUTPUTS,
    "feature_errors",
    "features",
    "reconstruction",
    "z_mean",
    "z_log_var",
    "valid",
    "is_anomaly",
)


def _mean_over_samples(values):
    return tf.add_n(values) / float(len(values))


def anomaly_scores(model, inputs, mc_samples=0, seed=0, keys=None):
    """Computes every anomaly score of a VAE for a batch, deterministically.

    By default the decoder reconstructs the posterior mean `z_mean`, so the same
    input always gets the same score (and Keras, SavedModel and TFLite agree). With
    `mc_samples=L > 0`, reconstruction terms are averaged over `L` draws of `z` from
    the posterior using fixed-seed stateless noise (still deterministic).

    Args:
        model: a built `tfvae.models.VAE` (or `Autoencoder`), or a model with its own
            `score_terms(inputs, mc_samples, seed)` method (`GANomaly`): its scores, with
            `valid` and `is_anomaly` added.
        inputs: tensor `[batch, ...]` (or the dict of raw columns the model's
            preprocessor takes).
        mc_samples: int. 0 decodes `z_mean`; L > 0 averages over L samples.
        seed: int. Seed of the Monte Carlo noise.
        keys: the outputs needed, or None for all. The per-example error terms are
            computed only for these, in one fused pass (`tfvae.scoring.error_terms`).

    Returns:
        A dict of tensors: the `SCORE_OUTPUTS` (float32 `[batch]`), plus
        `feature_errors` (squared error, shape of the features), `features`,
        `reconstruction`, `z_mean`, `z_log_var`, `valid` (bool `[batch]`, False for
        rows with NaN/inf features) and `is_anomaly` (bool `[batch]`: score above the
        model's threshold, or not `valid`; all False while no threshold is set
        unless the row is invalid). With `keys`, the error scores not needed for them
        are left out.

    Example:
    ```python
    out = anomaly_scores(vae, x)
    out["score"], out["feature_errors"]
    ```
    """
    score_terms = getattr(model, "score_terms", None)
    if score_terms is not None:  # models with their own score maths (the GAN)
        outputs = score_terms(inputs, mc_samples=mc_samples, seed=seed)
        return {**outputs, **decisions(model, outputs["features"], outputs["score"])}
    features = model.features(inputs)
    z_mean, z_log_var = model.posterior(features, training=False)
    codes = _latent_codes(z_mean, z_log_var, mc_samples, seed)
    outputs = _reconstruction_outputs(model, features, z_mean, z_log_var, codes, keys)
    outputs.update(_neighbour_scores(model, z_mean, outputs, keys))
    if model.score_name in outputs:
        outputs["score"] = outputs[model.score_name]
        outputs.update(decisions(model, features, outputs["score"], outputs["valid"]))
    return outputs


def _latent_codes(z_mean, z_log_var, mc_samples, seed):
    """The codes to decode: `[z_mean]`, or `mc_samples` posterior draws.

    The draws use stateless noise seeded by `(seed, index)`, so a traced scorer holds no
    random state and every export path draws the same codes.
    """
    if not mc_samples:
        return [z_mean]
    noise_shape = tf.shape(z_mean)
    return [
        z_mean
        + tf.exp(0.5 * z_log_var)
        * tf.random.stateless_normal(noise_shape, seed=[seed, index], dtype=z_mean.dtype)
        for index in range(int(mc_samples))
    ]


def _reconstruction_outputs(model, features, z_mean, z_log_var, codes, keys):
    """Every output of `anomaly_scores` that the decoded `codes` give: `features`,
    `reconstruction`, the posterior moments, `feature_errors`, the error scores the outputs
    `keys` need (`_error_scores`) and `valid`."""
    reconstructions = [model.decode(z) for z in codes]
    # An ensemble decodes [batch, K, ...]: every score is the mean over its K members.
    targets = model.member_targets(features)
    wanted = terms_lib.needed_terms(ALL_OUTPUTS if keys is None else keys, model.score_name)
    terms = _terms_per_code(model, targets, reconstructions, z_mean, z_log_var, wanted)
    outputs = {
        "features": features,
        "reconstruction": model.average_members(_mean_over_samples(reconstructions)),
        "z_mean": z_mean,
        "z_log_var": z_log_var,
        "feature_errors": model.average_members(
            _mean_over_samples([losses.squared_error(targets, r) for r in reconstructions])
        ),
    }
    outputs.update(_error_scores(terms, wanted, float(model.members)))
    outputs["valid"] = terms[0]["valid"] if "valid" in wanted else _valid(features)
    return outputs


def _terms_per_code(model, targets, reconstructions, z_mean, z_log_var, wanted):
    """The error terms `wanted` (`tfvae.scoring.error_terms`) of each reconstruction."""
    log_var = model.observation_log_var
    log_var = None if log_var is None else tf.convert_to_tensor(log_var)
    return [  # the KL and validity do not depend on the sample: once
        terms_lib.error_terms(
            targets,
            r,
            z_mean,
            z_log_var,
            model.likelihood,
            log_var,
            tuple(t for t in wanted if t not in ("kl", "valid") or index == 0),
        )
        for index, r in enumerate(reconstructions)
    ]


def _error_scores(terms, wanted, members):
    """The named error scores from the terms of every code (`_terms_per_code`), averaged
    over the codes; the KL and the likelihood, which `error_terms` sums over an ensemble's
    `members`, per member."""
    scores = {}
    for name in ("reconstruction_error", "reconstruction_error_mae"):
        (term,) = OUTPUT_TERMS[name]
        if term in wanted:
            scores[name] = _mean_over_samples([t[term] for t in terms])
    if "kl" in wanted:
        scores["kl"] = terms[0]["kl"] / members
    if "nll" in wanted:
        nll = _mean_over_samples([t["nll"] for t in terms]) / members
        scores["negative_elbo"] = nll + scores["kl"]
    return scores


def _wanted(keys, score_name, name):
    """Whether the outputs `keys` (None: all) need the score `name`."""
    keys = ALL_OUTPUTS if keys is None else keys
    return name in keys or (name == score_name and bool({"score", "is_anomaly"} & set(keys)))


def _neighbour_scores(model, z_mean, outputs, keys):
    """`neighbour_distance` and `elbo_neighbours`, when asked for and the model has them."""
    combined = _wanted(keys, model.score_name, "elbo_neighbours")
    if not (combined or _wanted(keys, model.score_name, "neighbour_distance")):
        return {}
    neighbours = getattr(model, "neighbours", None)
    if neighbours is None:
        if keys is None and model.score_name not in NEIGHBOUR_SCORES:
            return {}  # "every output" of a model without remembered rows
        raise ValueError(
            f"This model has no remembered training rows, which the scores "
            f"{NEIGHBOUR_SCORES} need: build it with a `LatentNeighbours` layer and call "
            "`tfvae.remember_neighbours(model, x_train)` first."
        )
    found = {"neighbour_distance": neighbours(z_mean)}
    if combined:
        pair = tf.stack([outputs["negative_elbo"], found["neighbour_distance"]], axis=1)
        found["elbo_neighbours"] = losses.calibrated_sum(
            pair, model.score_calibration, weights=(1.0, neighbours.weight)
        )
    return found


def score_outputs(model):
    """The per-example scores `model` gives: `SCORE_OUTPUTS`, less the neighbour scores
    of a model without remembered rows."""
    if getattr(model, "neighbours", None) is not None:
        return SCORE_OUTPUTS
    return tuple(name for name in SCORE_OUTPUTS if name not in NEIGHBOUR_SCORES)


def _valid(features):
    axes = list(range(1, features.shape.rank))
    return tf.reduce_all(tf.math.is_finite(features), axis=axes)


def decisions(model, features, score, valid=None):
    """`valid` (no NaN/inf feature) and `is_anomaly` (score above the model's threshold,
    or not valid) per example: the decision outputs of every model's scores. `valid`
    may come computed already."""
    valid = _valid(features) if valid is None else valid
    # NaN > threshold is False, so invalid rows are flagged explicitly.
    return {
        "valid": valid,
        "is_anomaly": tf.logical_or(score > model.threshold, tf.logical_not(valid)),
    }


#: Rows per call of `score_in_batches` (benchmarks/speed_profile.py measured the batch sizes).
SCORE_BATCH = 8192
#: Entries (float32) of the `[rows, bank]` distance matrix that one call of
#: `score_in_batches` computes per member at most: 16 MB.
#: TensorFlow's oneDNN CPU allocator (on by default on x86 Linux) serves tensors of
#: 256 KB and more from a pool that never returns memory to the system and grows by
#: regions of doubling size. At 8192 rows against the default bank of 2048 codes
#: (64 MB matrices), the second of a loop of default fits found the first fit's
#: regions fragmented and added one twice as large, kept for good; with 16 MB
#: matrices the regions of the first fit serve every later one
#: (benchmarks/results/fit_memory.md).
NEIGHBOUR_MATRIX_ENTRIES = 2048 * 2048


def _pick(keys, mc_samples):
    def score(model, batch):
        out = anomaly_scores(model, batch, mc_samples=mc_samples, keys=keys)
        return {key: out[key] for key in keys}

    return score


def _rows(inputs, start, stop):
    return tf.nest.map_structure(lambda a: a[start:stop], inputs)


class _BatchScorer:
    """`anomaly_scores` of one model, traced once per model structure (see `batch_scorer`)."""

    def __init__(self, model, keys, mc_samples):
        self.model, self.keys, self.mc_samples = model, keys, mc_samples
        self.name = f"anomaly_scores{keys}mc{mc_samples}fuse{terms_lib.FUSE}"
        self._calls = {}  # input dtypes and inner shapes -> call

    def __call__(self, batch):
        batch = tf.nest.map_structure(tf.convert_to_tensor, batch)
        call = self._calls.get(_signature(batch))
        if call is None:
            if not self.model.built:  # Keras builds on the first (eager) call
                anomaly_scores(self.model, _rows(batch, 0, 1))
            call = self._trace(batch)
        return call(batch)

    def get_concrete_function(self, input_spec):
        """Traces (or finds) the function for inputs of `input_spec` (a batch or its specs)."""
        call = self._calls.get(_signature(input_spec)) or self._trace(input_spec)
        return call.concrete

    def _trace(self, example):
        function = _pick(self.keys, self.mc_samples)
        call = shared_function(self.model, self.name, function, example)
        self._calls[_signature(example)] = call
        return call


def _signature(inputs):
    """Dtypes and inner shapes of a batch (or of its `tf.TensorSpec`s): one trace each."""
    return tuple((t.dtype, tuple(t.shape[1:])) for t in tf.nest.flatten(inputs))


def batch_scorer(model, keys=None, mc_samples=0):
    """The traced `anomaly_scores` of `model` returning only `keys`.

    The trace takes the model's variables as arguments (`tfvae.scoring.shared_trace`), so it
    serves every model of the same structure: scoring a second model of the same
    shapes, or the same model again, does not trace again. Outputs not in `keys` are
    pruned from the graph.

    Args:
        model: a VAE (built, or built on the first call).
        keys: names of the `anomaly_scores` outputs to return (None: `score_outputs`).
        mc_samples: int. See `anomaly_scores`.

    Returns:
        A callable mapping a batch (array, tensor or dict of them) to a dict of
        tensors, one per key.
    """
    keys = score_outputs(model) if keys is None else keys
    return _BatchScorer(model, tuple(keys), int(mc_samples))


def score_in_batches(model, x, batch_size=SCORE_BATCH, keys=None, mc_samples=0):
    """Runs `anomaly_scores` over numpy inputs in batches, traced once per model structure.

    Batches are row slices of `x` (`tfvae.scoring.row_slices`: no copy of the whole array,
    no allocation per batch), and the results are written into arrays allocated once.

    Args:
        model: a VAE.
        x: numpy array (or dict of numpy arrays for raw-column models).
        batch_size: int. Rows per batch (fewer when the keys need a neighbour
            bank: `NEIGHBOUR_MATRIX_ENTRIES`).
        keys: names of the outputs to return (None: `score_outputs(model)`).
        mc_samples: int. See `anomaly_scores`.

    Returns:
        A dict of numpy arrays, one per key, `len(x)` rows each.
    """
    import numpy as np

    scorer = batch_scorer(model, keys, mc_samples)
    n_rows = len(tf.nest.flatten(x)[0])
    results = None
    for start, stop, batch in row_slices(x, _rows_per_call(model, scorer.keys, batch_size)):
        out = scorer(batch)
        if results is None:
            results = {
                k: np.empty((n_rows, *v.shape[1:]), v.dtype.as_numpy_dtype) for k, v in out.items()
            }
        for key, value in out.items():
            results[key][start:stop] = value.numpy()
    if results is None:  # no rows: one empty call gives the shapes and dtypes
        return {k: v.numpy() for k, v in scorer(x).items()}
    return results


def _rows_per_call(model, keys, batch_size):
    """`batch_size`, or fewer rows when the outputs `keys` need the distances to a neighbour
    bank: at most `NEIGHBOUR_MATRIX_ENTRIES` per `[rows, bank]` matrix."""
    neighbours = getattr(model, "neighbours", None)
    if neighbours is None or not any(
        _wanted(keys, model.score_name, name) for name in NEIGHBOUR_SCORES
    ):
        return batch_size
    return max(1, min(batch_size, NEIGHBOUR_MATRIX_ENTRIES // neighbours.bank_size))
