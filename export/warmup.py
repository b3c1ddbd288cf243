"""TF Serving warm-up records: `assets.extra/tf_serving_warmup_requests`.

TF Serving replays these `PredictionLog` records when it loads a version, so the
first live request does not pay for graph initialisation.
"""

import os

import numpy as np
import tensorflow as tf

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")


def predict_request(model_name, signature_name, inputs):
    """Builds a TF Serving `PredictRequest` (the gRPC client's request, too).

    Args:
        model_name: str. The model name TF Serving serves (the export `name`).
        signature_name: str. E.g. `"score"`.
        inputs: dict input name -> numpy array (e.g. `{"features": x}`).

    Returns:
        A `tensorflow_serving.apis.predict_pb2.PredictRequest`.
    """
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    return request


def example_inputs(input_specs, rows):
    """Zero-valued inputs (empty strings for string columns) for `rows` rows."""
    out = {}
    for key, spec in input_specs.items():
        shape = [rows, *spec.shape[1:]]
        out[key] = (
            np.full(shape, b"", dtype=object)
            if spec.dtype == tf.string
            else np.zeros(shape, spec.dtype.as_numpy_dtype)
        )
    return out


def write_warmup(directory, model_name, signature_inputs, batch_sizes=(1, 8)):
    """Writes warm-up records for each signature and batch size into a SavedModel dir.

    Args:
        directory: str. The SavedModel directory.
        model_name: str. The served model name.
        signature_inputs: dict signature name -> dict input name -> `tf.TensorSpec`.
        batch_sizes: tuple of int. Batch sizes to warm up.

    Returns:
        The path of the records file.
    """
    from tensorflow_serving.apis import prediction_log_pb2

    path = os.path.join(os.fspath(directory), WARMUP_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for signature_name, specs in signature_inputs.items():
            for rows in batch_sizes:
                request = predict_request(model_name, signature_name, example_inputs(specs, rows))
                log = prediction_log_pb2.PredictionLog(
                    predict_log=prediction_log_pb2.PredictLog(request=request)
                )
                writer.write(log.SerializeToString())
    return path


def read_warmup(path):
    """Returns the `PredictRequest`s stored in a warm-up file."""
    from tensorflow_serving.apis import prediction_log_pb2

    requests = []
    for record in tf.data.TFRecordDataset(os.fspath(path)):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        requests.append(log.predict_log.request)
    return requests
