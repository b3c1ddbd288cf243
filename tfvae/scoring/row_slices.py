"""Row batches of an in-memory array as tensors, without a per-batch allocation.

`tf.convert_to_tensor(x[i:j])` allocates and copies every batch (page faults
included): about a tenth of the scoring time of a small network
(benchmarks/speed_profile.py). A float32 array instead goes through one 64-byte-aligned
buffer that TensorFlow reads in place (DLPack): each batch is one `memcpy` into it.
"""

import numpy as np
import tensorflow as tf

#: TensorFlow requires tensor buffers aligned to this many bytes (Eigen).
_ALIGNMENT = 64


def _aligned_empty(shape, dtype):
    dtype = np.dtype(dtype)
    size = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(size + _ALIGNMENT, np.uint8)
    offset = (-raw.ctypes.data) % _ALIGNMENT
    return raw[offset : offset + size].view(dtype).reshape(shape)


def row_slices(x, batch_size):
    """Yields `(start, stop, batch)` over the rows of `x`, `batch` a tensor (or dict of them).

    A batch is only valid until the next one is requested (a float32 array's batches
    share one buffer): use its results before asking for the next.

    Args:
        x: numpy array `[rows, ...]`, or a dict of arrays (raw columns).
        batch_size: int. Rows per batch.
    """
    n_rows = len(tf.nest.flatten(x)[0])
    staged = isinstance(x, np.ndarray) and x.dtype == np.float32 and x.ndim >= 1
    buffer = _aligned_empty((min(batch_size, n_rows), *x.shape[1:]), x.dtype) if staged else None
    for start in range(0, n_rows, batch_size):
        stop = min(start + batch_size, n_rows)
        if staged:
            view = buffer[: stop - start]
            np.copyto(view, x[start:stop])
            batch = tf.experimental.dlpack.from_dlpack(view.__dlpack__())
        else:
            batch = tf.nest.map_structure(lambda a: tf.convert_to_tensor(a[start:stop]), x)
        yield start, stop, batch
