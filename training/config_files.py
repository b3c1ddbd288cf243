"""Config files by path or by name: `--config demo` finds the config shipped in the package.

The configs of `training/configs/` install as package data of `tfvae.training`, so
`tfvae train --config demo` (or `demo.yaml`) works from any folder of a pip install.
"""

import importlib.resources
import os

from tfvae.quoting import clean

#: Extensions of the packaged configs (the names are their file stems).
PACKAGED_SUFFIX = ".yaml"


def packaged_configs():
    """`{name: path}` of the configs shipped in the package (`demo`, `kddcup99`, ...)."""
    folder = importlib.resources.files("tfvae.training") / "configs"
    return {
        entry.name[: -len(PACKAGED_SUFFIX)]: os.fspath(entry)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(PACKAGED_SUFFIX)
    }


def config_path(name_or_path):
    """The file `name_or_path` means: an existing file, else a packaged config by name.

    A bare name (`demo`) or file name (`demo.yaml`) with no folder part names a
    packaged config when no such file exists in the working directory.

    Args:
        name_or_path: str. A path to a `.yaml`/`.yml`/`.json` file, or a packaged name.

    Returns:
        str. The path of the file to read.

    Raises:
        FileNotFoundError: neither a file nor a packaged config (the names are listed).

    Example:
    ```python
    config_path("demo")  # .../site-packages/tfvae/training/configs/demo.yaml
    ```
    """
    path = os.fspath(name_or_path)
    if os.path.isfile(path):
        return path
    packaged = packaged_configs()
    stem = path[: -len(PACKAGED_SUFFIX)] if path.endswith(PACKAGED_SUFFIX) else path
    if os.path.basename(path) == path and stem in packaged:
        return packaged[stem]
    raise FileNotFoundError(
        f"Config file not found: {clean(path)}. Pass a .yaml/.json file or a packaged config by "
        f"name: {', '.join(packaged)}."
    )
