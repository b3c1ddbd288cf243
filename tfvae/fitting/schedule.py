"""How long the detectors train: epochs and steps by the number of rows."""

import math

from tfvae.models._validation import check_positive_int

#: Gradient steps a detector takes with `epochs="auto"` (before early stopping).
STEP_BUDGET = 800
#: Bounds of the epochs `"auto"` gives: small tables still see every row many times,
#: large ones at least a few.
MIN_EPOCHS, MAX_EPOCHS = 5, 200
#: Training steps per `tf.function` call: at small batches Keras' per-step Python
#: overhead otherwise dominates (benchmarks/speed.py); the updates are the same.
MAX_STEPS_PER_EXECUTION = 32
#: Share of the epochs after which a detector with `filter_fraction` sets rows aside.
FILTER_AFTER = 0.25


def training_schedule(n_rows, batch_size, epochs="auto"):
    """`(steps_per_epoch, steps_per_execution, epochs)` for `n_rows` training rows.

    An epoch is one pass over the rows, or several passes for tables of fewer than
    `MAX_STEPS_PER_EXECUTION` batches (so that validation and callbacks do not run
    after every step), rounded up to a whole number of `steps_per_execution` calls
    over a repeated, reshuffled stream of the rows: every epoch runs exactly
    `steps_per_epoch` steps (Keras 3 otherwise runs whole multiples of
    `steps_per_execution` and overruns short epochs). `epochs="auto"` gives about
    `STEP_BUDGET` steps whatever the size of the table.

    Args:
        n_rows: int. Training rows.
        batch_size: int. Rows per step.
        epochs: int or `"auto"`.

    Returns:
        Three ints.
    """
    batch_size = check_positive_int("batch_size", batch_size)
    batches = max(1, math.ceil(n_rows / batch_size))
    steps_per_execution = MAX_STEPS_PER_EXECUTION
    steps_per_epoch = steps_per_execution * math.ceil(batches / steps_per_execution)
    if epochs == "auto":
        epochs = int(min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(STEP_BUDGET / steps_per_epoch))))
    return steps_per_epoch, steps_per_execution, check_positive_int("epochs", epochs)
