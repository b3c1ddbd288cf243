"""`evaluate`: detection metrics, per-score AUROCs and plots of a model on labelled rows."""

import os

import numpy as np
import pandas as pd
from sklearn import metrics as sk_metrics

from tfvae.atomic import staged_folder
from tfvae.data.frames import read_table
from tfvae.evaluation.anomaly_generation import generate_anomalies
from tfvae.evaluation.report import write_report
from tfvae.extras import require_extra
from tfvae.metrics import detection_metrics
from tfvae.preprocessing.columns import to_columns
from tfvae.score_names import SCORE_NAMES
from tfvae.scoring.scores import score_in_batches
from tfvae.serving import ModelInputs


def _resolve(model_or_detector, threshold):
    """Returns `(vae or None, detector or None, threshold)`, threshold checked first."""
    vae = getattr(model_or_detector, "model_", None)
    detector = model_or_detector if hasattr(model_or_detector, "threshold_") else None
    if vae is None and hasattr(model_or_detector, "posterior"):
        vae = model_or_detector
    if vae is None and detector is None:
        raise ValueError(
            "Expected a tfvae VAE, a fitted VAEDetector or another fitted tfvae detector. "
            f"Received: {type(model_or_detector).__name__} (call `fit` first?)"
        )
    if threshold is None:
        threshold = detector.threshold_ if detector is not None else vae.threshold_value()
    if threshold is None:
        raise ValueError(
            "The model has no threshold: pass `threshold=` (CLI: `--threshold`) or calibrate it "
            "(VAEDetector.fit sets one)."
        )
    return vae, detector, float(threshold)


def _n_rows(x):
    return len(next(iter(x.values()))) if isinstance(x, dict) else len(x)


def _inputs(vae, x):
    """The rows as `vae` takes them (`serving.ModelInputs`): raw columns by name, or
    float32 features in the model's column order."""
    inputs = None if vae is None else ModelInputs.from_model(vae)
    if inputs is not None and inputs.raw:
        return to_columns(read_table(x), vae.preprocessor)  # TabularPreprocessor: strings kept
    if isinstance(x, pd.DataFrame) and inputs is not None and inputs.names is not None:
        missing = [name for name in inputs.names if name not in x.columns]
        if missing:
            raise ValueError(f"The data lacks the model's columns {missing}.")
        x = x[list(inputs.names)]
    x = np.asarray(x, dtype=np.float32)
    if inputs is not None and len(inputs.shape) == 1 and x.ndim == 2:
        if x.shape[1] != inputs.width:
            raise ValueError(
                f"The data has {x.shape[1]} features but the model expects {inputs.width}."
            )
    return x


def _labels(vae, x, y, synthetic, n_synthetic, seed):
    """Returns `(x, y, source)`; adds synthetic anomalies when `y` has none."""
    if y is not None:
        y = np.asarray(y).astype(np.int64).reshape(-1)
        if y.size != _n_rows(x):
            raise ValueError(f"`y` has {y.size} labels but the data has {_n_rows(x)} rows.")
        if y.any():
            return x, y, "given"
    if synthetic is None:
        return x, y, "none" if y is None else "given (no anomaly among them)"
    if vae is None:
        raise ValueError("Synthetic anomalies need a VAE; pass labels `y` for other detectors.")
    if isinstance(x, dict):
        raise ValueError(
            "Synthetic anomalies need numeric rows; pass labels `y` for raw-table models."
        )
    n = n_synthetic or max(10, len(x) // 10)
    fake = generate_anomalies(vae, n, method=synthetic, x_reference=x, seed=seed)
    y = np.r_[np.zeros(len(x), np.int64), np.ones(n, np.int64)]
    return np.concatenate([x, fake.astype(x.dtype)]), y, f"synthetic ({synthetic}, {n} rows)"


def _scores(vae, detector, x):
    if vae is None:
        return {"score": np.asarray(detector.score_samples(x), dtype=np.float64)}
    images = not isinstance(x, dict) and x.ndim > 2
    keys = ("score", *SCORE_NAMES, "z_mean") + (("reconstruction",) if images else ())
    return score_in_batches(vae, x, keys=keys)


#: Every file `evaluate(out_dir=...)` may write (the CLI refuses to replace them).
OUTPUT_FILES = ("metrics.json", "report.md") + tuple(
    f"{name}.png"
    for name in (
        "training_curves",
        "score_histogram",
        "roc_curve",
        "pr_curve",
        "latent_map",
        "reconstructions",
        "most_anomalous",
    )
)


def _plots(out_dir, scores, y, threshold, history, x):
    from tfvae import plots

    made = {}

    def save(name, function, *args, **kwargs):
        path = os.path.join(out_dir, f"{name}.png")
        function(*args, path=path, **kwargs).clf()
        made[name] = path

    if history:
        save("training_curves", plots.plot_training_curves, history)
    has_both = y is not None and len(np.unique(y)) == 2
    save("score_histogram", plots.plot_score_histogram, scores["score"], y, threshold)
    if has_both:
        save("roc_curve", plots.plot_roc_curve, y, scores["score"])
        save("pr_curve", plots.plot_pr_curve, y, scores["score"])
    if "z_mean" in scores and _n_rows(x) >= 2:
        save(
            "latent_map",
            plots.plot_latent_map,
            scores["z_mean"],
            y if has_both else None,
            scores["score"],
        )
    if "reconstruction" in scores:
        save(
            "reconstructions",
            plots.plot_reconstructions,
            x,
            scores["reconstruction"],
            scores=scores["score"],
        )
        save("most_anomalous", plots.plot_most_anomalous, x, scores["score"])
    import matplotlib.pyplot as plt

    plt.close("all")
    return made


def evaluate(
    model_or_detector,
    x,
    y=None,
    out_dir=None,
    threshold=None,
    plots=True,
    synthetic="feature_noise",
    n_synthetic=None,
    history=None,
    seed=0,
    overwrite=True,
):
    """Measures how well a model separates anomalies, and writes a report.

    Args:
        model_or_detector: a tfvae `VAE` (with a calibrated threshold), a fitted
            `VAEDetector`, or another fitted tfvae detector (scores only).
        x: array or DataFrame of rows (images `[n, h, w, c]` for conv models).
        y: optional array of 0 (normal) / 1 (anomaly).
        out_dir: optional str. Writes `metrics.json`, `report.md` and the PNG plots.
        threshold: optional float. Overrides the model's threshold.
        plots: bool. Draw the plots (needs matplotlib) when `out_dir` is set.
        synthetic: str or None. When `y` has no anomaly, treat `x` as normal and add
            anomalies from `generate_anomalies(method=synthetic)`; None disables.
        n_synthetic: int or None. How many (default: 10% of the rows, at least 10).
        history: optional dict of training losses (defaults to a detector's `history_`).
        seed: int. Seed of the synthetic anomalies.
        overwrite: bool. Replace files of the same names in `out_dir`. With False,
            the report is published only if none of its files exists by then
            (`tfvae.atomic.staged_folder`); otherwise nothing is written.

    Returns:
        A JSON-ready dict: `metrics` (AUROC, AUPRC, precision, recall, F1, FPR,
        confusion matrix at the threshold), `auroc_by_score`, `labels`, `plots`.

    Example:
    ```python
    result = evaluate(detector, x_test, y_test, out_dir="runs/eval")
    result["metrics"]["auroc"]
    ```
    """
    _require_plots_extra(out_dir, plots)
    vae, detector, threshold = _resolve(model_or_detector, threshold)
    x, y, source = _labels(vae, _inputs(vae, x), y, synthetic, n_synthetic, seed)
    scores = _scores(vae, detector, x)
    result = _result(model_or_detector, vae, scores, y, _n_rows(x), source, threshold)
    plot_args = (scores, y, threshold, _history(history, detector), x) if plots else None
    _write_outputs(result, out_dir, overwrite, plot_args)
    return result


def _require_plots_extra(out_dir, plots):
    """Fails before any work when plots are asked for and matplotlib is missing."""
    if out_dir is not None and plots:
        require_extra("plots", "evaluate draws plots (pass plots=False to skip them)")


def _history(history, detector):
    """The training losses to plot: `history`, else a detector's `history_` (or None)."""
    if history is None and detector is not None:
        return getattr(detector, "history_", None)
    return history


def _result(model_or_detector, vae, scores, y, n_rows, source, threshold):
    """The result of `evaluate` (`plots` still empty): the metrics at `threshold`, and the
    AUROC of each finite score when `y` has both classes (no labels: all normal)."""
    y_metrics = np.zeros(n_rows, np.int64) if y is None else y
    has_both = len(np.unique(y_metrics)) == 2
    return {
        "model": type(model_or_detector).__name__,
        "score_name": vae.score_name if vae is not None else "score",
        "labels": source,
        "metrics": detection_metrics(y_metrics, scores["score"], threshold),
        "auroc_by_score": {
            key: float(sk_metrics.roc_auc_score(y_metrics, scores[key])) if has_both else None
            for key in SCORE_NAMES
            if key in scores and np.isfinite(scores[key]).all()
        },
        "plots": {},
    }


def _write_outputs(result, out_dir, overwrite, plot_args):
    """Writes the report and, given `plot_args` (those of `_plots` after its folder), the
    plots into `out_dir`, all published together (`staged_folder`); `result["plots"]`
    gets their final paths. Without `out_dir`, writes nothing."""
    if out_dir is None:
        return
    with staged_folder(out_dir, overwrite=overwrite) as staging:
        if plot_args is not None:
            made = _plots(staging, *plot_args)
            result["plots"] = {
                k: os.path.join(out_dir, os.path.basename(p)) for k, p in made.items()
            }
        write_report(result, staging)
