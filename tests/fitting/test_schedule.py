import numpy as np
import pytest

from tfvae.detectors import VAEDetector
from tfvae.fitting.schedule import STEP_BUDGET, steps_per_execution, training_schedule


@pytest.mark.parametrize(
    "n_rows, expected",
    [(80, (32, 32, 25)), (7000, (64, 32, 13)), (100_000, (800, 32, 5)), (4096, (32, 32, 25))],
)
def test_epochs_are_whole_executions_and_auto_fills_the_step_budget(n_rows, expected):
    steps, per_execution, epochs = training_schedule(n_rows, 128)
    assert (steps, per_execution, epochs) == expected
    assert steps % per_execution == 0 and steps * 128 >= n_rows
    assert training_schedule(n_rows, 128, epochs=3)[2] == 3


def test_every_epoch_runs_exactly_its_steps():
    # Keras 3 runs whole multiples of steps_per_execution per epoch over a finite input;
    # the detector's repeated stream makes the optimizer count exact.
    x = np.random.default_rng(0).normal(size=(300, 4)).astype("float32")
    detector = VAEDetector(epochs=3, batch_size=64, early_stopping_patience=0).fit(x)
    steps, _, _ = training_schedule(270, 64)  # 10% of the rows are held out
    assert int(detector.model_.optimizer.iterations.numpy()) == 3 * steps
    assert len(detector.history_["loss"]) == 3
    assert STEP_BUDGET > 0


def test_steps_per_execution_divides_the_epoch():
    assert steps_per_execution(265) == 5  # 265 = 5 x 53: no 288-batch epochs
    assert steps_per_execution(256) == 32
    assert steps_per_execution(7) == 7
    assert steps_per_execution(256, 8) == 8
    assert steps_per_execution(256, replicas=2) == 1  # MirroredStrategy: one step a call
    # An array input ends each epoch itself (the GAN's): no divisor needed.
    assert steps_per_execution(37, input_ends=True) == 32
    assert steps_per_execution(4, input_ends=True) == 4
