import keras
from helpers import gaussian_blobs
from tensorflow.python.framework import ops

from tfvae.fitting.builder import build_dense_vae
from tfvae.fitting.gradient_registry import released_gradient_functions


def _fit_new_model(x):
    vae = build_dense_vae(x.shape[1], latent_dim=2, hidden_units=(8,))
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x, epochs=1, batch_size=32, verbose=0)


def test_a_fit_inside_the_block_leaves_no_gradient_function_behind():
    registry = ops._gradient_registry._registry
    x = gaussian_blobs(64)
    before = len(registry)
    _fit_new_model(x)  # the leak this module exists for: each traced train step adds some
    leaked = len(registry) - before
    assert leaked > 0
    before = len(registry)
    with released_gradient_functions():
        _fit_new_model(x)
    assert len(registry) == before
