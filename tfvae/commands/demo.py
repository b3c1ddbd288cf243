"""`tfvae demo`: the main job end to end on data bundled with scikit-learn (offline).

Trains a VAE on benign rows of the Wisconsin breast-cancer table, calibrates the
threshold on held-out benign rows, and reports detection metrics on unseen benign
plus malignant rows (malignant = anomaly).
"""

import os
import shutil

from tfvae.commands.arguments import number, output_path
from tfvae.serving import TFLITE_SIGNATURES

#: Files `run_demo` writes into its folder (besides the versioned `export/`).
OUTPUT_FILES = ("model.keras", "test.csv", "metrics.json")
#: The model name of the demo's export (`<out>/export/<name>/<version>/`).
EXPORT_NAME = "breast_cancer"


def run_demo(out_dir, epochs=100, seed=0, verbose=1, overwrite=False):
    """Trains, calibrates, evaluates and saves the demo model.

    Args:
        out_dir: str. Output folder.
        epochs: int. Maximum epochs.
        seed: int. Seed of the split and of training.
        verbose: int. Keras verbosity (`tfvae demo` passes `progress.keras_verbosity`).
        overwrite: bool. Replace `model.keras`, `test.csv` and `metrics.json` already in
            `out_dir` (refused otherwise, before training; exports are versioned).

    Returns:
        A dict with the metrics and the path of the saved `.keras` model.
    """
    # Imported here: `tfvae demo --help` imports neither numpy nor scikit-learn.
    from tfvae.atomic import new_folders, refuse_existing, staged_folder, write_json, write_text
    from tfvae.data.breast_cancer import demo_split
    from tfvae.detectors import VAEDetector
    from tfvae.metrics import detection_metrics

    if not overwrite:
        refuse_existing(out_dir, OUTPUT_FILES)

    x_train, x_test, y_test = demo_split(seed)
    detector = VAEDetector(epochs=epochs, seed=seed, verbose=verbose)
    detector.fit(x_train)
    metrics = detection_metrics(y_test, detector.score_samples(x_test), detector.threshold_)
    export = None
    # The files are staged and published together at the end (never over a file that
    # appeared meanwhile, unless `overwrite`); the export publishes its own new version.
    # If anything fails, what this run created is removed.
    with new_folders(os.path.join(out_dir, "export", EXPORT_NAME)):
        try:
            with staged_folder(out_dir, overwrite=overwrite) as staging:
                detector.save(os.path.join(staging, "model.keras"))
                # The held-out rows with their labels, for `tfvae evaluate` / `tfvae score` next.
                write_text(
                    os.path.join(staging, "test.csv"),
                    x_test.assign(is_anomaly=y_test).to_csv(index=False),
                )
                export = _export(detector, out_dir, len(x_train))
                report = _report(out_dir, detector, x_train, metrics, export)
                write_json(os.path.join(staging, "metrics.json"), report)
        except BaseException:
            if export is not None:
                shutil.rmtree(export.version_dir, ignore_errors=True)
            raise
    return report


def _export(detector, out_dir, n_train):
    # Imported here: the core package never imports tfvae.export at module level.
    from tfvae.export import export_model

    return export_model(
        detector,
        os.path.join(out_dir, "export"),
        name=EXPORT_NAME,
        quantize="none",
        calibration=detector.threshold_rule_.to_dict(),
        training_summary={"dataset": "sklearn breast_cancer, benign rows", "n_rows": n_train},
    )


def _report(out_dir, detector, x_train, metrics, export):
    return {
        "dataset": "sklearn breast_cancer (benign = normal, malignant = anomaly)",
        "n_train": int(len(x_train)),
        "epochs_run": len(detector.history_["loss"]),
        "threshold_rule": detector.threshold_rule_.to_dict(),
        "metrics": metrics,
        "model_path": os.path.join(out_dir, "model.keras"),
        "test_path": os.path.join(out_dir, "test.csv"),
        "export": {
            "version_dir": export.version_dir,
            "signatures": list(export.signatures),
            "tflite_signatures": list(TFLITE_SIGNATURES),
            "sizes_bytes": export.sizes,
        },
    }


def add_arguments(parser):
    parser.add_argument(
        "--out",
        default="runs/demo",
        type=output_path,
        help="output directory (default: runs/demo)",
    )
    parser.add_argument(
        "--epochs", type=number(int, 1), default=100, help="maximum epochs (default: 100)"
    )
    parser.add_argument("--seed", type=number(int, 0, 2**32 - 1), default=0)
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace model.keras, test.csv and metrics.json already in --out",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no training progress (a bar on a terminal, else one line per epoch)",
    )


def run(args):
    from tfvae.progress import keras_verbosity

    report = run_demo(
        args.out,
        epochs=args.epochs,
        seed=args.seed,
        verbose=keras_verbosity(args.quiet),
        overwrite=args.overwrite,
    )
    m = report["metrics"]
    print(f"\nTrained on {report['n_train']} benign rows for {report['epochs_run']} epochs.")
    print(
        f"Threshold {m['threshold']:.4g} = {report['threshold_rule']['percentile']:g}th percentile "
        "of held-out benign scores."
    )
    print(f"Test: {m['n_rows']} rows, {m['n_anomalies']} malignant (anomalies).")
    for key in ("auroc", "auprc", "precision", "recall", "f1", "false_positive_rate"):
        print(f"  {key:<20} {m[key]:.4f}")
    print(f"Model: {report['model_path']}")
    print(f"Held-out rows (label column is_anomaly): {report['test_path']}")
    print(f"Export (TF Serving version directory): {report['export']['version_dir']}")
    print(f"  SavedModel signatures: {', '.join(report['export']['signatures'])}")
    print(f"  TFLite signatures: {', '.join(report['export']['tflite_signatures'])}")
    for path, size in report["export"]["sizes_bytes"].items():
        kind = "TFLite" if path.endswith(".tflite") else "SavedModel"
        print(f"  {kind:<10} {size / 1024:8.1f} KiB  {path}")
    print(f"Metrics: {os.path.join(os.path.dirname(report['model_path']), 'metrics.json')}")
    return 0
