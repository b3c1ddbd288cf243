import pytest
import tensorflow as tf

from tfvae.training.strategies import is_chief, make_strategy, worker_dir


def test_auto_without_gpu_is_the_default_strategy():
    assert not tf.config.list_logical_devices("GPU")
    assert make_strategy("auto").num_replicas_in_sync == 1
    assert make_strategy("default") is tf.distribute.get_strategy()


def test_mirrored_uses_every_logical_cpu_and_is_reused():
    strategy = make_strategy("mirrored")
    assert isinstance(strategy, tf.distribute.MirroredStrategy)
    assert strategy.num_replicas_in_sync == 2 and make_strategy("mirrored") is strategy
    assert is_chief(strategy) and worker_dir("runs/x", strategy) == "runs/x"


@pytest.mark.parametrize("tf_config, match", [(None, "needs TF_CONFIG"), ("{bad", "not a valid")])
def test_multi_worker_needs_a_valid_tf_config(monkeypatch, tf_config, match):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(ValueError, match=match):
        make_strategy.__wrapped__("multi_worker")
