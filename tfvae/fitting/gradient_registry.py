"""Fits that leave nothing behind in TensorFlow's process-wide gradient registry.

Tracing a Keras train step registers one gradient function per replica all-reduce of
the optimizer (`tf.custom_gradient` in graph mode), under a fresh name, in a registry
that lives as long as the process. Each registration holds the traced graph, so a
process that fits one detector after another grows by the size of every train graph
it ever traced (about 5 MB per fit of the default `VAEDetector`, measured over 25
fits). Nothing differentiates through an optimizer update, so once a fit is over its
registrations serve nothing: `released_gradient_functions` removes them.
"""

import contextlib

from tensorflow.python.framework import ops

#: Prefix of the names `tf.custom_gradient` registers in graph mode.
_CUSTOM_GRADIENT_PREFIX = "CustomGradient-"


def _registry():
    # Private to TensorFlow: if a release moves it, fits still work and only the
    # memory is kept, as before.
    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else None


@contextlib.contextmanager
def released_gradient_functions():
    """Removes the custom-gradient functions registered inside the block when it ends.

    Example:
    ```python
    with released_gradient_functions():
        model.fit(x, epochs=3)
    ```
    """
    registry = _registry()
    before = set(registry) if registry is not None else set()
    try:
        yield
    finally:
        if registry is not None:
            for name in set(registry) - before:
                if name.startswith(_CUSTOM_GRADIENT_PREFIX):
                    del registry[name]
