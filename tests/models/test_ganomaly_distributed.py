"""GANomaly's losses and weights are the same under MirroredStrategy (2 logical CPUs).

The training runs in a subprocess (`gan_mirrored_run.py`): TensorFlow's CPU collectives
abort when models of different shapes train under MirroredStrategy in one process, and
the `own_process` tests (the VAE's) already use this process's strategy.
"""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = pathlib.Path(__file__).with_name("gan_mirrored_run.py")


@pytest.mark.slow
def test_mirrored_gan_equals_single_device(tmp_path):
    out = tmp_path / "runs.npz"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(out)], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    runs = np.load(out)
    keys = {k.split("/")[1] for k in runs.files if k.startswith("single/") and "/w" not in k}
    assert keys == {
        "loss",
        "contextual_loss",
        "adversarial_loss",
        "latent_loss",
        "discriminator_loss",
    }
    assert int(runs["replicas"]) == 2
    for key in sorted(keys):
        np.testing.assert_allclose(
            runs[f"mirrored/{key}"], runs[f"single/{key}"], rtol=1e-5, err_msg=key
        )
    weights = sorted(k.split("/")[1] for k in runs.files if k.startswith("single/w"))
    assert len(weights) > 10
    for name in weights:
        np.testing.assert_allclose(
            runs[f"mirrored/{name}"], runs[f"single/{name}"], rtol=1e-4, atol=1e-6
        )
