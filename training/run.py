"""`train(config, out_dir)`: the library function behind `tfvae train`."""

import dataclasses
import os
import typing

from tfvae import atomic
from tfvae.training import artifacts, run_folder, strategies
from tfvae.training import config as config_lib
from tfvae.training import run_inputs as inputs_lib


@dataclasses.dataclass
class RunResult:
    """What a finished run produced. `metrics` is the content of `metrics.json`."""

    out_dir: str
    model_path: typing.Optional[str]
    threshold: float
    epochs: int
    metrics: dict


def _global_batch(config, replicas):
    t = config.training
    if t.per_replica_batch_size is not None:
        return t.per_replica_batch_size * replicas
    if t.batch_size % replicas:
        raise ValueError(
            f"training.batch_size={t.batch_size} is not divisible by the {replicas} replicas of "
            f"the {config.strategy.name!r} strategy; use a multiple of {replicas} or set "
            "training.per_replica_batch_size."
        )
    return t.batch_size


def _check_sizes(steps_per_epoch, global_batch):
    if steps_per_epoch < 1:
        raise ValueError(
            f"The training split has fewer than one global batch of {global_batch} rows (per "
            "worker, for a table read by several workers); lower training.batch_size or use "
            "more data."
        )


def _set_up_process(config):
    """Strategy first (multi-worker needs it before any TF op), then seeds and determinism."""
    strategy = strategies.make_strategy(config.strategy.name, config.strategy.tpu)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(config.training.seed)
    if config.training.deterministic:
        tf.config.experimental.enable_op_determinism()
    return strategy


def train(config, out_dir, overwrite=False):
    """Trains, calibrates and saves one run; resumes it if `out_dir` holds its backup.

    Args:
        config: a `TrainConfig`.
        out_dir: str. The run directory. The run creates it (or writes into an empty
            folder, or resumes the unfinished run of the same config there) and holds
            it until finished; a run that fails removes what it created.
        overwrite: bool. Replace a previous run in `out_dir` (a folder holding a run
            and nothing else): the new run is built in a hidden sibling folder and
            swapped in when finished, so a failure (bad data, a kill) leaves the
            previous run as it was.

    Returns:
        A `RunResult`.

    Raises:
        FileExistsError: `out_dir` holds files that are not a run; a finished run,
            or an unfinished one with another config, and `overwrite` is False; or
            another run is writing it.
        FileNotFoundError / ValueError: bad data or config, before any training.

    Example:
    ```python
    result = train(load_config("training/configs/demo.yaml"), "runs/demo")
    result.metrics["test"]["auroc"]
    ```
    """
    # Everything that can fail on bad input runs before the run directory is touched.
    target = run_folder.check(out_dir, config, overwrite)
    strategy = _set_up_process(config)
    workers = inputs_lib.worker_count(strategy)
    inputs = inputs_lib.load_inputs(config, workers)  # a table's one statistics pass
    global_batch = _global_batch(config, strategy.num_replicas_in_sync)
    steps_per_epoch = inputs.steps_per_epoch(global_batch, workers)
    _check_sizes(steps_per_epoch, global_batch)
    chief = strategies.is_chief(strategy)
    with run_folder.claimed(out_dir, target, config, chief) as run_dir:
        metrics, model_path = _train_in(
            config, strategy, inputs, workers, global_batch, steps_per_epoch, run_dir, chief
        )
    write_dir = strategies.worker_dir(out_dir, strategy)
    if run_dir != out_dir:  # swapped in
        model_path = os.path.join(write_dir, os.path.relpath(model_path, run_dir))
    threshold = metrics["threshold"]["threshold"]
    return RunResult(write_dir, model_path, threshold, metrics["training"]["epochs"], metrics)


def _train_in(config, strategy, inputs, workers, global_batch, steps_per_epoch, run_dir, chief):
    """Fits, calibrates and saves into `run_dir` (resuming from its backup). Returns
    `(metrics, model_path)`."""
    from tfvae.training import fit_loop
    from tfvae.training.calibration import calibrate_and_save

    write_dir = strategies.worker_dir(run_dir, strategy)
    os.makedirs(write_dir, exist_ok=True)
    if chief:
        atomic.write_json(os.path.join(run_dir, "config.json"), config_lib.to_dict(config))
        artifacts.write_yaml(os.path.join(run_dir, "config.yaml"), config_lib.to_dict(config))
    first_epoch = fit_loop.backup_epoch(os.path.join(write_dir, "backup"))
    datasets = inputs.datasets(config, strategy, global_batch, workers, first_epoch)
    model, history = fit_loop.fit(
        config, strategy, inputs, datasets, steps_per_epoch, global_batch, write_dir
    )
    info = {
        "strategy": config.strategy.name,
        "replicas": int(strategy.num_replicas_in_sync),
        "workers": int(workers),
        "global_batch_size": int(global_batch),
        "steps_per_epoch": int(steps_per_epoch),
        **history,
        "data": inputs.describe(),
    }
    return calibrate_and_save(config, model, inputs, info, write_dir)
