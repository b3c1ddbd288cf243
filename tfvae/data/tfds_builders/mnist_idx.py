"""TFDS builder for MNIST-format idx files, prepared offline from a manual directory."""

import os

import numpy as np
import tensorflow_datasets as tfds

from tfvae.data.idx import load_idx

SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


class TfvaeMnistIdx(tfds.core.GeneratorBasedBuilder):
    """MNIST from the idx `.gz` files in the manual directory (`test` always; `train` if present)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "idx files from a manual directory."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        "Place t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (and optionally the "
        "train-* files) in the manual directory, e.g. ../shared/data/mnist/."
    )

    def _info(self):
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(28, 28, 1)),
                    "label": tfds.features.ClassLabel(num_classes=10),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="http://yann.lecun.com/exdb/mnist/",
        )

    def _split_generators(self, dl_manager):
        splits = {}
        for split, (images, labels) in SPLIT_FILES.items():
            image_path = os.path.join(dl_manager.manual_dir, images)
            if os.path.exists(image_path):
                splits[split] = self._generate_examples(
                    image_path, os.path.join(dl_manager.manual_dir, labels)
                )
        if "test" not in splits:
            raise FileNotFoundError(
                f"No idx files in {dl_manager.manual_dir}. {self.MANUAL_DOWNLOAD_INSTRUCTIONS}"
            )
        return splits

    def _generate_examples(self, image_path, label_path):
        images, labels = load_idx(image_path), load_idx(label_path)
        if images.shape[0] != labels.shape[0] or images.shape[1:] != (28, 28):
            raise ValueError(
                f"{image_path} {images.shape} and {label_path} {labels.shape} do not match."
            )
        for index, (image, label) in enumerate(zip(images, labels)):
            yield index, {"image": image[..., None].astype(np.uint8), "label": int(label)}
