"""The evaluation report: `metrics.json` and a short `report.md` beside the plots."""

import os

from tfvae.atomic import write_json, write_text
from tfvae.evaluation.markdown import markdown_table

_ROWS = (
    ("AUROC", "auroc"),
    ("AUPRC", "auprc"),
    ("precision", "precision"),
    ("recall", "recall"),
    ("F1", "f1"),
    ("false-positive rate", "false_positive_rate"),
    ("accuracy", "accuracy"),
)


def render_report(result):
    """Formats an `evaluate` result as Markdown."""
    m = result["metrics"]
    c = m["confusion_matrix"]
    lines = [
        "# Evaluation report",
        "",
        f"Model: {result['model']} (score: `{result['score_name']}`, threshold {m['threshold']:.6g})  ",
        f"Rows: {m['n_rows']}, anomalies: {m['n_anomalies']} (labels: {result['labels']})",
        "",
        markdown_table(["metric", "value"], [[name, m[key]] for name, key in _ROWS], digits=4),
        "",
        "Confusion matrix at the threshold (rows = truth):",
        "",
        markdown_table(
            ["", "predicted normal", "predicted anomaly"],
            [["normal", c["tn"], c["fp"]], ["anomaly", c["fn"], c["tp"]]],
        ),
    ]
    if result["auroc_by_score"]:
        lines += [
            "",
            "AUROC of each score of the same model:",
            "",
            markdown_table(
                ["score", "AUROC"], [[k, v] for k, v in result["auroc_by_score"].items()], 4
            ),
        ]
    if result["plots"]:
        lines += ["", "## Plots", ""]
        lines += [f"![{name}]({os.path.basename(path)})" for name, path in result["plots"].items()]
    return "\n".join(lines) + "\n"


def write_report(result, out_dir):
    """Writes `metrics.json` and `report.md` into `out_dir` (atomically). Returns both paths."""
    json_path = write_json(os.path.join(out_dir, "metrics.json"), result)
    md_path = write_text(os.path.join(out_dir, "report.md"), render_report(result))
    return json_path, md_path
