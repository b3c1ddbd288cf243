"""TFDS builders that prepare offline from a manual directory (importing registers them).

Example:
```python
import tensorflow_datasets as tfds
import tfvae.data.tfds_builders  # registers tfvae_kddcup99 and tfvae_mnist_idx

ds = tfds.load("tfvae_kddcup99", split="test", download_and_prepare_kwargs={
    "download_config": tfds.download.DownloadConfig(manual_dir="../shared/data/kddcup99")})
```
"""

from tfvae.data.tfds_builders.kddcup99 import TfvaeKddcup99
from tfvae.data.tfds_builders.mnist_idx import TfvaeMnistIdx

__all__ = ["TfvaeKddcup99", "TfvaeMnistIdx"]
