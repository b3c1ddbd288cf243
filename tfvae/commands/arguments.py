"""Argument types shared by the `tfvae` commands (standard library only).

Bad values are refused while the command line is parsed (exit status 2), before any
command imports TensorFlow.
"""

import argparse
import math

from tfvae.quoting import quote

#: The largest int64: TF Serving's version numbers, seeds and counts fit below it.
INT64_MAX = 2**63 - 1


def number(kind=float, low=None, high=None):
    """An argparse `type`: a finite `kind` (int or float) within `[low, high]`.

    Bad values are refused while the command line is parsed (exit status 2, before
    TensorFlow starts), with a message naming the option and the value.

    Example:
    ```python
    parser.add_argument("--block-mb", type=number(float, 0.001, 4096), default=16)
    ```
    """
    what = "an int" if kind is int else "a finite number"
    if low is not None or high is not None:
        what += f" in [{'-inf' if low is None else low}, {'inf' if high is None else high}]"

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if (
            value is None
            or not math.isfinite(value)
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            raise argparse.ArgumentTypeError(f"expected {what}. Received: {quote(text)}")
        return value

    parse.__name__ = what
    return parse


def output_path(text):
    """An argparse `type` for an output path: refuses `-` (outputs are files, not stdout)."""
    if text.strip() == "-":
        raise argparse.ArgumentTypeError(
            "'-' (standard output) is not supported; name a file or folder (./- if you "
            "really mean a file called '-')."
        )
    return text
