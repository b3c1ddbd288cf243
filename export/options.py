"""Export choices, TF-free so that `tfvae export --help` does not import TensorFlow."""

#: What `export_model` can write.
FORMATS = ("savedmodel", "tflite")
#: TFLite variants: full float32, float16 weights, dynamic-range int8 weights.
QUANTIZATIONS = ("none", "float16", "dynamic")
