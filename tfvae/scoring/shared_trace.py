"""One trace of a function of a model for every model of the same structure.

A `tf.function` closing over a model traces once per model: scoring many small models
(one per data set) retraces for each. Here the model's variables are arguments instead:
the function runs the model's methods inside a `keras.StatelessScope` that maps every
model variable to the matching argument, so the graph holds no weights and any model
with the same structure (class, configuration except the values that live in variables,
variable shapes) reuses it. A trace that still captures something of its model (the
lookup tables of a tabular preprocessor) is kept for that model only.
"""

import collections
import json
import threading
import weakref

import keras
import tensorflow as tf

#: structure key -> `tf.function` shared by every model of that structure.
_SHARED = collections.OrderedDict()
#: Structures whose traces are kept (least recently used first out): a loop over many
#: tables of different widths would otherwise keep one trace per table for good.
MAX_SHARED = 16
#: model -> {name: `tf.function`} for traces bound to one model; weak, so models can be freed.
_OWN = weakref.WeakKeyDictionary()
#: The model whose call is running: read by the traced function, only while it traces.
_CALLING = threading.local()


def _registered_class(serialized):
    name = serialized.get("registered_name") or serialized.get("class_name")
    return keras.saving.get_registered_object(name) if name else None


def _structural(config, cls):
    """`config` without `name` and the entries `cls.UNTRACED_CONFIG` names."""
    skipped = set(getattr(cls, "UNTRACED_CONFIG", ())) | {"name"}
    return {k: _scrub(v) for k, v in config.items() if k not in skipped}


def _scrub(value):
    if isinstance(value, dict):
        if "config" in value and "class_name" in value and isinstance(value["config"], dict):
            return {**value, "config": _structural(value["config"], _registered_class(value))}
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


def structure_key(model):
    """A string equal for two models exactly when one trace serves both."""
    return json.dumps(
        {
            "class": f"{type(model).__module__}.{type(model).__qualname__}",
            "config": _structural(model.get_config(), type(model)),
            "variables": [(tuple(v.shape), str(v.dtype)) for v in model.variables],
        },
        sort_keys=True,
        default=repr,
    )


def _traced(name, function):
    def run(inputs, values):
        model = _CALLING.model
        with keras.StatelessScope(state_mapping=list(zip(model.variables, values))):
            return function(model, inputs)

    run.__name__ = name
    return tf.function(run, autograph=False)


def _input_spec(inputs):
    """The spec of `inputs` with an unknown batch size (one trace for every batch size)."""
    return tf.nest.map_structure(lambda t: tf.TensorSpec([None, *t.shape[1:]], t.dtype), inputs)


def shared_function(model, name, function, example_inputs):
    """The traced `function(model, inputs)`, shared by every model of the same structure.

    Args:
        model: a built Keras model.
        name: str. Names the computation (with the structure, the cache key); the same
            name must always come with the same `function`.
        function: `function(model, inputs) -> nest of tensors`, pure in the model's
            variables (no assignments).
        example_inputs: a batch (tensor or dict of tensors), or its `tf.TensorSpec`s,
            fixing the dtypes and inner shapes.

    Returns:
        `call(inputs)`: runs the trace with `model`'s variables, for inputs of the dtypes
        and inner shapes of `example_inputs` (any batch size); `call.concrete` is the
        concrete function.
    """
    traced = _OWN.get(model, {}).get(name)
    first_trace = False
    if traced is None:
        key = (name, structure_key(model))
        traced = _SHARED.get(key)
        if traced is not None:
            _SHARED.move_to_end(key)
        else:
            traced, first_trace = _traced(name, function), True
    # Variables as arguments: the graph reads them (no Python-side reads per call).
    values = [v.value for v in model.variables]
    _CALLING.model = model
    try:  # a lookup, or a trace for a new structure or input spec
        concrete = traced.get_concrete_function(_input_spec(example_inputs), values)
    finally:
        _CALLING.model = None
    if first_trace:
        if concrete.captured_inputs:  # resources of this model only: keep it to itself
            _OWN.setdefault(model, {})[name] = traced
        else:
            _SHARED[key] = traced
            while len(_SHARED) > MAX_SHARED:
                _SHARED.popitem(last=False)

    def call(inputs):
        return concrete(inputs, values)

    call.concrete = concrete
    return call
