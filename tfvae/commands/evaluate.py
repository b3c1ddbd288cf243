"""`tfvae evaluate`: metrics, report and plots of a saved model on a data file."""

from tfvae.commands.arguments import number, output_path


def add_arguments(parser):
    parser.add_argument("--model", required=True, help="a calibrated tfvae model (.keras)")
    parser.add_argument("--data", required=True, help=".npz (arrays X, y) or numeric .csv")
    parser.add_argument(
        "--labels", default=None, help="label column (CSV) / array (NPZ): 1 = anomaly"
    )
    parser.add_argument(
        "--out",
        required=True,
        type=output_path,
        help="output directory (metrics.json, report.md, PNGs)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace metrics.json, report.md and plots already in --out",
    )
    parser.add_argument(
        "--threshold", type=number(float), default=None, help="override the model's threshold"
    )
    parser.add_argument(
        "--synthetic",
        default="feature_noise",
        help="anomalies to add when the data has no labelled anomaly: a method of "
        "tfvae.evaluation.anomaly_generation (feature_noise, latent_shift, prior_tail) or none",
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--seed", type=number(int, 0, 2**32 - 1), default=0)


def run(args):
    import os

    from tfvae.atomic import refuse_existing
    from tfvae.evaluation.anomaly_generation import METHODS
    from tfvae.evaluation.data import read_labelled_data
    from tfvae.evaluation.evaluate import OUTPUT_FILES, evaluate
    from tfvae.quoting import clean, quote

    if args.synthetic not in (*METHODS, "none"):
        raise ValueError(
            f"Expected --synthetic to be one of {[*METHODS, 'none']}. Received: "
            f"{quote(args.synthetic)}"
        )
    if not args.overwrite:
        refuse_existing(args.out, OUTPUT_FILES)
    if not args.no_plots:  # before reading anything: a missing extra is a usage error
        from tfvae.extras import require_extra

        require_extra("plots", "tfvae evaluate draws plots (or pass --no-plots)")

    from tfvae.saving import as_model

    if not os.path.exists(args.model):
        raise FileNotFoundError(f"No model file at {clean(args.model)}.")
    if not args.model.endswith(".keras"):
        raise ValueError(f"Expected a `.keras` model file. Received: --model {clean(args.model)}")
    x, y, names = read_labelled_data(args.data, args.labels)
    model = as_model(args.model)
    if names is not None:
        import pandas as pd

        x = pd.DataFrame(x, columns=names)
    result = evaluate(
        model,
        x,
        y,
        out_dir=args.out,
        threshold=args.threshold,
        plots=not args.no_plots,
        synthetic=None if args.synthetic == "none" else args.synthetic,
        seed=args.seed,
        overwrite=args.overwrite,
    )
    m = result["metrics"]
    print(f"{m['n_rows']} rows, {m['n_anomalies']} anomalies (labels: {result['labels']})")
    for key in ("auroc", "auprc", "precision", "recall", "f1", "false_positive_rate"):
        value = m[key]
        print(f"  {key:<20} {'n/a' if value is None else format(value, '.4f')}")
    print(f"Report: {clean(os.path.join(args.out, 'report.md'))}")
    return 0
