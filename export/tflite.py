"""`.tflite` files converted from the SavedModel, with builtin ops only (no Flex).

The same signature names and output names as the SavedModel (`TFLITE_SIGNATURES`);
the export metadata JSON is embedded in each file's flatbuffer `metadata` list
(read it back with `read_metadata`) and also written beside it.
"""

import json
import os

import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema_fb
from tensorflow.lite.tools import flatbuffer_utils

from tfvae.atomic import write_bytes, write_json
from tfvae.serving import QUANTIZATIONS, TFLITE_SIGNATURES

METADATA_NAME = "tfvae_metadata"
#: File suffix per quantisation: `<name>.<suffix>.tflite`.
SUFFIXES = {"none": "float32", "float16": "float16", "dynamic": "dynamic"}


def convert(saved_model_dir, quantize="none", signature_keys=TFLITE_SIGNATURES):
    """Converts a tfvae SavedModel to TFLite flatbuffer bytes.

    Args:
        saved_model_dir: str. A directory written by `ServingModule.save`.
        quantize: str. `"none"` (float32), `"float16"` (float16 weights) or
            `"dynamic"` (dynamic-range int8 weights, float activations).
        signature_keys: signatures to keep.

    Returns:
        bytes of the `.tflite` model.
    """
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"Expected `quantize` in {QUANTIZATIONS}. Received: quantize={quantize!r}")
    converter = tf.lite.TFLiteConverter.from_saved_model(
        os.fspath(saved_model_dir), signature_keys=list(signature_keys)
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def embed_metadata(model_bytes, metadata):
    """Returns `model_bytes` with `metadata` (a dict) added as a flatbuffer metadata entry."""
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(model_bytes))
    buffer = schema_fb.BufferT()
    buffer.data = list(json.dumps(metadata, sort_keys=True).encode("utf-8"))
    model.buffers.append(buffer)
    entry = schema_fb.MetadataT()
    entry.name = METADATA_NAME
    entry.buffer = len(model.buffers) - 1
    model.metadata = [m for m in (model.metadata or []) if m.name != METADATA_NAME.encode()] + [
        entry
    ]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def read_metadata(path):
    """The export metadata dict embedded in a `.tflite` file by `write_tflite`."""
    with open(os.fspath(path), "rb") as f:
        model = flatbuffer_utils.read_model_from_bytearray(bytearray(f.read()))
    for entry in model.metadata or []:
        if entry.name == METADATA_NAME.encode():
            return json.loads(bytes(model.buffers[entry.buffer].data).decode("utf-8"))
    raise ValueError(f"{path} holds no `{METADATA_NAME}` entry; was it written by tfvae export?")


def write_tflite(saved_model_dir, path, quantize, metadata):
    """Converts, embeds `metadata` (plus the quantisation), and writes `path` and `path`.json.

    Returns:
        The path of the `.tflite` file.
    """
    metadata = {
        **metadata,
        "tflite_quantization": quantize,
        "tflite_signatures": list(TFLITE_SIGNATURES),
    }
    data = embed_metadata(convert(saved_model_dir, quantize), metadata)
    path = os.fspath(path)
    write_bytes(path, data)
    write_json(os.path.splitext(path)[0] + ".json", metadata)
    return path
