"""`tfvae train` on tables read from files: raw columns in, `score_raw` out, exact epochs."""

import json
import os

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from tfvae.export import export_model
from tfvae.scoring.scores import score_in_batches
from tfvae.training.config import from_dict
from tfvae.training.run import train


def _shards(folder, n_files=2, rows=300):
    rng = np.random.default_rng(0)
    folder.mkdir()
    for index in range(n_files):
        anomaly = rng.random(rows) < 0.1
        pd.DataFrame(
            {
                "bytes": np.where(anomaly, 50.0, 1.0) * rng.lognormal(size=rows).round(3),
                "rate": rng.normal(size=rows).round(3),
                "proto": np.where(anomaly, "icmp", rng.choice(["tcp", "udp"], size=rows)),
                "label": np.where(anomaly, "attack", "normal"),
            }
        ).to_csv(folder / f"part-{index}.csv.gz", index=False)
    return folder


def _config(folder, **training):
    return from_dict(
        {
            "data": {
                "source": "table",
                "path": str(folder),
                "label_column": "label",
                "normal_label": "normal",
                "validation_fraction": 0.2,
            },
            "model": {"latent_dim": 2, "hidden_units": [16], "members": 2},
            "optimizer": {"learning_rate": 0.01},
            "training": {
                "epochs": 3,
                "batch_size": 32,
                "verbose": 0,
                "histogram_freq": 1,
                **training,
            },
            "strategy": {"name": "default"},
        }
    )


def test_a_table_run_scores_raw_rows_and_runs_exact_epochs(tmp_path):
    folder = _shards(tmp_path / "shards")
    result = train(_config(folder, steps_per_execution=4), str(tmp_path / "run"))
    training = result.metrics["training"]
    steps = training["steps_per_epoch"]
    assert steps % 4 != 0  # so the requested 4 steps per call cannot divide the epoch
    model = keras.saving.load_model(result.model_path, safe_mode=True)
    assert int(model.optimizer.iterations) == 3 * steps
    assert training["steps_per_execution"] in [d for d in (1, 2, 3) if steps % d == 0]
    assert result.metrics["test"]["auroc"] > 0.9
    assert type(model.preprocessor).__name__ == "TabularPreprocessor"

    exported = export_model(model, tmp_path / "export", formats="savedmodel")
    assert "score_raw" in exported.signatures
    served = tf.saved_model.load(exported.saved_model_dir).signatures["score_raw"]
    assert served.structured_input_signature[1]["proto"].dtype == tf.string
    rows = pd.read_csv(folder / "part-0.csv.gz").head(50)
    columns = {
        "bytes": rows["bytes"].to_numpy("float32"),
        "rate": rows["rate"].to_numpy("float32"),
        "proto": rows["proto"].to_numpy(str),
    }
    from_serving = served(**{k: tf.constant(v) for k, v in columns.items()})["score"].numpy()
    from_keras = score_in_batches(model, columns, keys=("score",))["score"]
    np.testing.assert_allclose(from_serving, from_keras, rtol=1e-5, atol=1e-5)


def test_bad_shard_fails_before_the_run_directory_is_touched(tmp_path):
    folder = _shards(tmp_path / "shards")
    (folder / "part-9.csv").write_text("bytes,rate,proto,label\n1.0,oops,tcp,normal\n")
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=r"part-9.csv, line 2: column 'rate': 'oops'"):
        train(_config(folder), str(out))
    assert not out.exists()


@pytest.mark.shared_data
def test_kddcup99_config_trains_on_raw_columns_and_exports_score_raw(shared_data, tmp_path):
    from tfvae.training.config import load_config, with_overrides

    config = with_overrides(
        load_config(
            os.path.join(os.path.dirname(__file__), "../../training/configs/kddcup99.yaml")
        ),
        {
            "data.path": str(shared_data / "kddcup99"),
            "data.max_rows": 30000,
            "training.epochs": 1,
            "model.members": 1,
            "training.verbose": 0,
        },
    )
    result = train(config, str(tmp_path / "kdd"))
    exported = export_model(result.model_path, tmp_path / "export", formats="savedmodel")
    served = tf.saved_model.load(exported.saved_model_dir).signatures["score_raw"]
    assert served.structured_input_signature[1]["protocol_type"].dtype == tf.string
    metadata = json.loads(open(os.path.join(exported.version_dir, "metadata.json")).read())
    assert "score_raw" in metadata["signatures"]
