"""The hardware references of `speed.py`: bare TensorFlow with the detector's shapes.

- `forward_chain`: the forward matmuls of the network and nothing else (no bias, no
  activation, no score), one `tf.function` call per batch;
- `BareTrainer`: forward + backward + Adam on the same network (bias, activations,
  reparameterised sampling, the same per-example loss), plain `tf.Variable`s and the fused
  `ResourceApplyAdam` kernel, `steps` steps per `tf.function` call over an in-memory tensor
  (no Keras, no `tf.data`, no metrics). No input scaling.

An ensemble of `members` networks multiplies `[1, batch, in]` by `[members, in, out]`
kernels, as `tfvae.models.EnsembleDense` does.
"""

import dataclasses
import math

import numpy as np
import tensorflow as tf


@dataclasses.dataclass(frozen=True)
class Network:
    """Shapes and loss of a dense VAE.

    Attributes:
        features: int. Input width.
        hidden: tuple of int. Encoder widths (the decoder mirrors them).
        latent_dim: int.
        members: int. Ensemble members.
        likelihood: str. `"bernoulli"` (sigmoid output) or `"gaussian"` (learned variance).
    """

    features: int
    hidden: tuple
    latent_dim: int
    members: int = 1
    likelihood: str = "gaussian"

    def kernel_shapes(self):
        """`(encoder, heads, decoder)` lists of `(in, out)` kernel shapes."""
        widths = [self.features, *self.hidden]
        back = [self.latent_dim, *self.hidden[::-1], self.features]
        heads = [(self.hidden[-1], self.latent_dim)] * 2  # z_mean, z_log_var
        return list(zip(widths[:-1], widths[1:])), heads, list(zip(back[:-1], back[1:]))

    def flop_per_row(self):
        """Forward FLOP per row (2 per multiply-add), all members."""
        shapes = sum(self.kernel_shapes(), [])
        return 2.0 * self.members * sum(a * b for a, b in shapes)


def _kernel(rng, members, shape):
    limit = math.sqrt(6.0 / sum(shape))
    full = (members, *shape) if members > 1 else shape
    return rng.uniform(-limit, limit, size=full).astype("float32")


def forward_chain(network, batch, seed=0):
    """A callable scoring one constant `[batch, features]` batch by the bare matmul chain.

    Returns:
        `(run, rows)`: `run()` computes one batch (results fetched to numpy), `rows` = batch.
    """
    rng = np.random.default_rng(seed)
    encoder, heads, decoder = network.kernel_shapes()
    k = network.members
    enc = [tf.constant(_kernel(rng, k, s)) for s in encoder]
    head = [tf.constant(_kernel(rng, k, s)) for s in heads]
    dec = [tf.constant(_kernel(rng, k, s)) for s in decoder]
    x0 = tf.constant(rng.uniform(size=(batch, network.features)).astype("float32"))

    @tf.function
    def chain(x):
        h = x if k == 1 else x[None]
        for w in enc:
            h = tf.matmul(h, w)
        z, log_var = tf.matmul(h, head[0]), tf.matmul(h, head[1])
        for w in dec:
            z = tf.matmul(z, w)
        return z, log_var

    def run():
        return [t.numpy() for t in chain(x0)]

    run()
    return run, batch


class BareTrainer:
    """Forward + backward + Adam of `network` in bare TensorFlow, `steps` steps per call.

    Args:
        network: `Network`.
        x: numpy array `[rows, features]` (kept in memory as one tensor).
        batch: int. Rows per step.
        steps: int. Steps per `tf.function` call.
        learning_rate: float.
    """

    def __init__(self, network, x, batch, steps=32, learning_rate=1e-3, seed=0):
        rng = np.random.default_rng(seed)
        self.network, self.batch, self.steps = network, batch, steps
        k = network.members
        encoder, heads, decoder = network.kernel_shapes()

        def dense(shape):
            bias_shape = (k, 1, shape[1]) if k > 1 else (shape[1],)
            return tf.Variable(_kernel(rng, k, shape)), tf.Variable(tf.zeros(bias_shape))

        self.encoder = [dense(s) for s in encoder]
        self.heads = [dense(s) for s in heads]
        self.decoder = [dense(s) for s in decoder]
        self.variables = [v for pair in self.encoder + self.heads + self.decoder for v in pair]
        if network.likelihood == "gaussian":
            self.log_var = tf.Variable(tf.zeros((network.features,)))
            self.variables.append(self.log_var)
        self.slots = [
            (tf.Variable(tf.zeros_like(v)), tf.Variable(tf.zeros_like(v))) for v in self.variables
        ]
        self.iteration = tf.Variable(0, dtype=tf.int64)
        self.learning_rate = learning_rate
        self.x = tf.constant(x)

    def _loss(self, x, step):
        k = self.network.members
        h = x if k == 1 else x[None]
        for kernel, bias in self.encoder:
            h = tf.nn.relu(tf.matmul(h, kernel) + bias)
        z_mean, z_log_var = (tf.matmul(h, w) + b for w, b in self.heads)
        noise = tf.random.stateless_normal(
            tf.shape(z_mean), seed=tf.stack([step, tf.constant(0, tf.int64)])
        )
        h = z_mean + tf.exp(0.5 * z_log_var) * noise
        for index, (kernel, bias) in enumerate(self.decoder):
            h = tf.matmul(h, kernel) + bias
            h = tf.nn.relu(h) if index < len(self.decoder) - 1 else h
        if self.network.likelihood == "bernoulli":
            p = tf.clip_by_value(tf.sigmoid(h), 1e-7, 1.0 - 1e-7)
            nll = -(x * tf.math.log(p) + (1.0 - x) * tf.math.log(1.0 - p))
        else:
            nll = 0.5 * (
                tf.square(x - h) * tf.exp(-self.log_var) + self.log_var + math.log(2 * math.pi)
            )
        kl = -0.5 * (1.0 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
        # [K, batch, ...] for an ensemble: summed over members and features, / K.
        axes = [0, 2] if k > 1 else [1]
        per_example = (tf.reduce_sum(nll, axes) + tf.reduce_sum(kl, axes)) / float(k)
        return tf.reduce_mean(per_example)

    @tf.function
    def run(self):
        """Runs `steps` training steps; returns the last loss."""
        n_rows = int(self.x.shape[0])
        loss = tf.constant(0.0)
        for _ in tf.range(self.steps):
            step = self.iteration.assign_add(1)
            start = (step * self.batch) % (n_rows - self.batch)
            x = self.x[start : start + self.batch]
            with tf.GradientTape() as tape:
                loss = self._loss(x, step)
            gradients = tape.gradient(loss, self.variables)
            t = tf.cast(step, tf.float32)
            for variable, (m, v), gradient in zip(self.variables, self.slots, gradients):
                tf.raw_ops.ResourceApplyAdam(
                    var=variable.handle,
                    m=m.handle,
                    v=v.handle,
                    beta1_power=0.9**t,
                    beta2_power=0.999**t,
                    lr=self.learning_rate,
                    beta1=0.9,
                    beta2=0.999,
                    epsilon=1e-7,
                    grad=gradient,
                )
        return loss

    def callable(self):
        """`(run, rows)`: one call trains `steps` batches."""

        def run():
            return float(self.run())

        run()
        return run, self.steps * self.batch
