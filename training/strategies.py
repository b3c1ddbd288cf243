"""Chooses the `tf.distribute` strategy a run trains under.

`multi_worker` must be created before any other TensorFlow op in the process (it
configures the collective runtime from `TF_CONFIG`), so `train` calls
`make_strategy` first, before loading data or building the model.
"""

import functools
import json
import os

import tensorflow as tf


# One strategy object per kind and process: a second MirroredStrategy restarts the
# collective instance keys and clashes with the first one's ("Shape mismatch in the
# collective instance"), and TensorFlow allows one multi-worker set-up per process.
@functools.lru_cache(maxsize=None)
def make_strategy(name="auto", tpu=""):
    """Creates the strategy named in the config.

    Args:
        name: str. `"auto"` (MirroredStrategy over all visible GPUs when there is at
            least one, the default strategy otherwise), `"default"`, `"mirrored"`
            (all visible GPUs, or all logical CPUs when there is no GPU),
            `"multi_worker"` (MultiWorkerMirroredStrategy, cluster from `TF_CONFIG`)
            or `"tpu"`.
        tpu: str. TPU name or address for `"tpu"` (empty for a local TPU VM).

    Returns:
        A `tf.distribute.Strategy`.

    Example:
    ```python
    strategy = make_strategy("mirrored")
    with strategy.scope():
        model = build_model(...)
    ```
    """
    if name == "auto":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.MirroredStrategy() if gpus else tf.distribute.get_strategy()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if name == "multi_worker":
        _check_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu or None)
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, tf.errors.NotFoundError) as error:
            raise ValueError(
                f"strategy=tpu but no TPU was found ({error}). Use auto or mirrored."
            ) from None
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(
        "Expected `strategy` to be one of ['auto', 'default', 'mirrored', 'multi_worker', 'tpu']. "
        f"Received: strategy={name!r}"
    )


def _check_tf_config():
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise ValueError(
            "strategy=multi_worker needs TF_CONFIG, e.g. "
            '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
            '"task": {"type": "worker", "index": 0}}'
        )
    try:
        spec = json.loads(text)
        workers = spec["cluster"]["worker"]
        task = spec["task"]
        if (
            task["type"] not in ("worker", "chief")
            or not 0 <= int(task["index"]) < len(workers) + 1
        ):
            raise KeyError("task")
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"TF_CONFIG is not a valid cluster spec ({error!r}): {text}") from None


def is_chief(strategy):
    """Whether this process writes the run's outputs (always True off multi-worker)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    if task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief


def worker_dir(out_dir, strategy):
    """Where this worker writes: `out_dir` on the chief, a private temp dir elsewhere.

    Non-chief workers must still save (saving is collective) but to a directory of
    their own, as in the TensorFlow multi-worker guide.
    """
    if is_chief(strategy):
        return out_dir
    resolver = strategy.cluster_resolver
    return os.path.join(out_dir, "workers", f"{resolver.task_type}_{resolver.task_id}")
