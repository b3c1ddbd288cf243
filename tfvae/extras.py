"""Optional extras (`pip install 'tfvae[plots]'`): one check, one error naming the install.

Commands check the extras they need before any expensive work, so a missing one is a
usage error (exit status 2) that says what to install, and nothing is written.
"""

import importlib

#: Extra (setup.cfg `extras_require`) -> the module tfvae imports from it.
#: (`lite` is for running `.tflite` files, which no command does: exporting them needs
#: TensorFlow only.)
EXTRAS = {"plots": "matplotlib", "beam": "apache_beam"}


class MissingExtraError(ImportError):
    """An optional dependency is missing; the message names the `pip install` to run."""


def require_extra(extra, needed_by):
    """Imports and returns the module of `extra`, or raises `MissingExtraError`.

    Args:
        extra: str. A key of `EXTRAS`.
        needed_by: str. What needs it, the start of the message ("tfvae evaluate draws
            plots (or pass --no-plots)").

    Example:
    ```python
    matplotlib = require_extra("plots", "tfvae.plots draws with matplotlib")
    ```
    """
    module = EXTRAS[extra]
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            f"{needed_by}: {module} is not installed. Install the optional extra: "
            f"pip install 'tfvae[{extra}]'"
        ) from error
