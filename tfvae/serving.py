"""The serving vocabulary: what an export holds, TF-free so the `tfvae` commands can read it.

`FORMATS` and `QUANTIZATIONS` are what `tfvae.export.export_model` can write; `tfvae export
--help` lists them without importing TensorFlow.
"""

#: What `export_model` can write.
FORMATS = ("savedmodel", "tflite")
#: TFLite variants: full float32, float16 weights, dynamic-range int8 weights.
QUANTIZATIONS = ("none", "float16", "dynamic")
