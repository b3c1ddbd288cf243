"""`train(config, out_dir)`: the library function behind `tfvae train`."""

import dataclasses
import os
import shutil
import typing

from tfvae.training import artifacts, strategies
from tfvae.training import config as config_lib
from tfvae.training import inputs as inputs_lib


@dataclasses.dataclass
class RunResult:
    """What a finished run produced. `metrics` is the content of `metrics.json`."""

    out_dir: str
    model_path: typing.Optional[str]
    threshold: float
    epochs: int
    metrics: dict


def _is_run_dir(out_dir):
    return os.path.isdir(out_dir) and any(
        os.path.exists(os.path.join(out_dir, name))
        for name in artifacts.RUN_FILES + artifacts.RUN_FOLDERS
    )


def _check_run_dir(out_dir, config, overwrite):
    """Refuses to clobber a run without `overwrite`, or a folder that is not only a run.

    Touches nothing: with `overwrite` the new run is built beside the old one
    (`_staging_dir`) and swapped in at the end (`_swap_in`).
    """
    if overwrite:
        if os.path.exists(out_dir) and not os.path.isdir(out_dir):
            raise FileExistsError(
                f"--out {out_dir} is a file, not a run directory; not replacing it."
            )
        if os.path.isdir(out_dir):
            own = set(artifacts.RUN_FILES + artifacts.RUN_FOLDERS)
            other = sorted(entry for entry in os.listdir(out_dir) if entry not in own)
            if other:
                raise FileExistsError(
                    f"{out_dir} holds files that are not part of a run ({', '.join(other[:3])}); "
                    "--overwrite replaces whole run directories only. Choose another --out."
                )
        return
    if os.path.exists(os.path.join(out_dir, "metrics.json")):
        raise FileExistsError(
            f"{out_dir} already holds a finished run (metrics.json). Pass --overwrite to "
            "replace it, or choose another --out."
        )
    saved = os.path.join(out_dir, "config.json")
    if os.path.exists(saved):
        import json

        with open(saved) as f:
            previous = json.load(f)
        if previous != config_lib.to_dict(config):
            raise FileExistsError(
                f"{out_dir} holds an unfinished run with a different config; rerun it with the "
                "same config to resume, or pass --overwrite to start again."
            )


def _staging_dir(out_dir):
    """Where `--overwrite` builds the new run: a hidden sibling of `out_dir`.

    The name is fixed (all workers of a multi-worker run agree on it, and a killed
    `--overwrite` run resumes from its backup there when rerun with the same config).
    """
    parent, name = os.path.split(os.path.abspath(out_dir))
    return os.path.join(parent, f".{name}.overwrite")


def _prepare_staging(staging, config):
    """Removes a stale staging folder of a killed `--overwrite` run with another config."""
    saved = os.path.join(staging, "config.json")
    if os.path.isdir(staging):
        import json

        try:
            with open(saved) as f:
                same = json.load(f) == config_lib.to_dict(config)
        except (OSError, ValueError):
            same = False
        if not same:
            shutil.rmtree(staging)


def _swap_in(staging, out_dir):
    """Replaces `out_dir` by the finished `staging` run (two renames; old run removed last)."""
    retired = None
    if os.path.exists(out_dir):
        retired = f"{staging}.replaced-{os.getpid()}"
        os.rename(out_dir, retired)
    os.rename(staging, out_dir)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


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
        out_dir: str. The run directory (created if needed).
        overwrite: bool. Replace a run in `out_dir`: the new run is built in a hidden
            sibling folder and swapped in when finished, so a failure (bad data, a
            kill) leaves the previous run as it was.

    Returns:
        A `RunResult`.

    Raises:
        FileExistsError: `out_dir` holds a finished run and `overwrite` is False,
            or an unfinished run with another config.
        FileNotFoundError / ValueError: bad data or config, before any training.

    Example:
    ```python
    result = train(load_config("training/configs/demo.yaml"), "runs/demo")
    result.metrics["test"]["auroc"]
    ```
    """
    from tfvae.training import fit_loop

    # Everything that can fail on bad input runs before the run directory is touched.
    _check_run_dir(out_dir, config, overwrite)
    strategy = _set_up_process(config)
    workers = inputs_lib.worker_count(strategy)
    inputs = inputs_lib.load_inputs(config, workers)  # a table's one statistics pass
    global_batch = _global_batch(config, strategy.num_replicas_in_sync)
    steps_per_epoch = inputs.steps_per_epoch(global_batch, workers)
    _check_sizes(steps_per_epoch, global_batch)
    chief = strategies.is_chief(strategy)
    run_dir = out_dir
    if overwrite and _is_run_dir(out_dir):
        run_dir = _staging_dir(out_dir)
        if chief:
            _prepare_staging(run_dir, config)
    write_dir = strategies.worker_dir(run_dir, strategy)
    os.makedirs(write_dir, exist_ok=True)
    if chief:
        artifacts.write_json(os.path.join(run_dir, "config.json"), config_lib.to_dict(config))
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
    from tfvae.training.calibration import calibrate_and_save

    metrics, model_path = calibrate_and_save(config, model, inputs, info, write_dir)
    if run_dir != out_dir and chief:
        _swap_in(run_dir, out_dir)
        write_dir = strategies.worker_dir(out_dir, strategy)
        model_path = os.path.join(out_dir, "model.keras")
    threshold = metrics["threshold"]["threshold"]
    return RunResult(write_dir, model_path, threshold, metrics["training"]["epochs"], metrics)
