"""The one model builder: dense and convolutional VAEs and Autoencoders, and the GAN's
parts (the detectors and `tfvae train` use it)."""

import math

from tfvae.models._validation import check_positive_int, check_units
from tfvae.models.autoencoder import Autoencoder
from tfvae.models.conv_decoder import ConvDecoder
from tfvae.models.conv_encoder import ConvEncoder
from tfvae.models.dense_decoder import DenseDecoder
from tfvae.models.dense_encoder import DenseEncoder
from tfvae.models.latent_neighbours import LatentNeighbours
from tfvae.models.vae import VAE

#: Activation of the GAN's encoders and discriminator (LeakyReLU(0.2), as in GANomaly): with
#: ReLU, the latent loss shrinks the codes until the units die and the generator collapses.
LEAKY = "leaky_relu"


def architecture(n_features, latent_dim="auto", hidden_units="auto"):
    """`(latent_dim, hidden_units)` for a table of `n_features` columns.

    `"auto"` sizes the network from the width of the table: the first hidden layer
    is as wide as the input (at least 16, at most 128) and the second half of it; the
    latent space is half the input width (at least 2, at most 16), so it is narrower
    than the input and cannot simply copy it. (Twice the input width and up to 256
    measured no better on the ADBench tables and cost about twice as much per step:
    benchmarks/README.md.)

    Args:
        n_features: int. Width of the (preprocessed) table.
        latent_dim: int or `"auto"`.
        hidden_units: tuple of int or `"auto"`.

    Returns:
        `(int, tuple of int)`.
    """
    if latent_dim == "auto":
        latent_dim = int(min(16, max(2, math.ceil(n_features / 2))))
    check_positive_int("latent_dim", latent_dim)  # before it sizes the hidden layers
    if hidden_units == "auto":
        first = int(min(128, max(16, n_features)))
        hidden_units = (first, max(latent_dim, first // 2))
    return latent_dim, check_units("hidden_units", hidden_units)


def build_dense_vae(
    n_features,
    latent_dim="auto",
    hidden_units="auto",
    activation="relu",
    dropout=0.0,
    members=1,
    variational=True,
    beta=1.0,
    likelihood="gaussian",
    bank_size=None,
    n_neighbors=5,
    neighbour_weight=1.0,
    **vae_kwargs,
):
    """A `VAE` (or, with `variational=False`, an `Autoencoder`) of dense parts.

    The decoder mirrors the encoder's hidden widths; a Bernoulli likelihood gets a
    sigmoid output. Sizes may be `"auto"` (`architecture`). With `bank_size`, the model
    gets a `LatentNeighbours` layer of that many rows (`tfvae.remember_neighbours`
    fills it).

    Args:
        n_features: int. Width of the features the encoder sees (after the preprocessor).
        latent_dim: int or `"auto"`.
        hidden_units: tuple of int or `"auto"`. Encoder widths, input side first.
        activation: str. Hidden activation.
        dropout: float. Encoder dropout rate.
        members: int. Ensemble members (`DenseEncoder`).
        variational: bool. False builds the `Autoencoder` baseline.
        beta: float. KL weight (VAE only).
        likelihood: str. `"gaussian"` or `"bernoulli"`.
        bank_size: int or None. Rows of the latent neighbour bank (None: no bank).
        n_neighbors: int. Which neighbour's distance the bank measures (at most
            `bank_size`).
        neighbour_weight: float. Weight of the neighbour distance in `elbo_neighbours`
            (`LatentNeighbours`).
        **vae_kwargs: other `VAE` arguments (`preprocessor`, `observation_noise`,
            `score_name`, `seed`, `feature_names`, `trim_fraction`, ...).

    Returns:
        An unbuilt model.
    """
    latent_dim, hidden = architecture(n_features, latent_dim, hidden_units)
    encoder = DenseEncoder(latent_dim, hidden, activation, dropout, members=members, name="encoder")
    decoder = DenseDecoder(
        n_features,
        hidden[::-1],
        activation,
        output_activation="sigmoid" if likelihood == "bernoulli" else None,
        members=members,
        name="decoder",
    )
    if bank_size is not None:
        vae_kwargs["neighbours"] = LatentNeighbours(
            bank_size,
            members,
            latent_dim,
            k=min(n_neighbors, bank_size),
            weight=neighbour_weight,
            name="neighbours",
        )
    if variational:
        return VAE(encoder, decoder, beta=beta, likelihood=likelihood, name="vae", **vae_kwargs)
    return Autoencoder(encoder, decoder, likelihood=likelihood, name="autoencoder", **vae_kwargs)


def build_conv_vae(
    feature_shape,
    latent_dim,
    dense_units,
    filters,
    variational=True,
    beta=1.0,
    likelihood="gaussian",
    **vae_kwargs,
):
    """A `VAE` (or, with `variational=False`, an `Autoencoder`) of convolutional parts.

    The decoder mirrors the encoder's filters; a Bernoulli likelihood gets a sigmoid
    output.

    Args:
        feature_shape: tuple of int. `(height, width, channels)` of the images.
        latent_dim: int.
        dense_units: int. Width of the encoder's dense layer before the latent heads.
        filters: tuple of int. Filters of the strided convolutions, input side first.
        variational: bool. False builds the `Autoencoder` baseline.
        beta: float. KL weight (VAE only).
        likelihood: str. `"gaussian"` or `"bernoulli"`.
        **vae_kwargs: other `VAE` arguments (as `build_dense_vae`).

    Returns:
        An unbuilt model.
    """
    encoder = ConvEncoder(latent_dim, filters=list(filters), dense_units=dense_units)
    output_activation = "sigmoid" if likelihood == "bernoulli" else None
    decoder = ConvDecoder(
        feature_shape, filters=list(reversed(filters)), output_activation=output_activation
    )
    if variational:
        return VAE(encoder, decoder, beta=beta, likelihood=likelihood, **vae_kwargs)
    return Autoencoder(encoder, decoder, likelihood=likelihood, **vae_kwargs)


def gan_parts(n_features, latent_dim, hidden_units, image_shape=None, image_filters=(32, 64)):
    """The encoder, generator, re-encoder and discriminator of a `GANomaly` model.

    Dense parts for tables; convolutional ones (`ConvEncoder`/`ConvDecoder`, sigmoid
    output) for images of `image_shape`. Encoders and discriminator use `LEAKY`.

    Args:
        n_features: int. Width of a table's features (tables only).
        latent_dim: int. Size of the generator's latent space.
        hidden_units: tuple of int. Widths of the dense encoders and discriminator (the
            generator mirrors them); for images, the last one is the width of the
            encoders' dense layer. The discriminator's feature vector has
            `hidden_units[-1]` values.
        image_shape: tuple of int or None. `(height, width, channels)` of images.
        image_filters: tuple of int. Filters of the strided convolutions (images only).

    Returns:
        A dict of the four `GANomaly` arguments `encoder`, `decoder`, `latent_encoder`,
        `discriminator`.
    """
    hidden = tuple(hidden_units)
    if not hidden:
        raise ValueError(f"Expected at least one hidden layer. Received: hidden_units={hidden!r}")
    width = hidden[-1]
    if image_shape is None:
        return dict(
            encoder=DenseEncoder(latent_dim, hidden, activation=LEAKY, name="encoder"),
            decoder=DenseDecoder(n_features, hidden[::-1], name="decoder"),
            latent_encoder=DenseEncoder(
                latent_dim, hidden, activation=LEAKY, name="latent_encoder"
            ),
            discriminator=DenseEncoder(width, hidden, activation=LEAKY, name="discriminator"),
        )
    filters = tuple(image_filters)

    def conv_encoder(size, name, dense_units=width):
        return ConvEncoder(
            size, filters=filters, dense_units=dense_units, activation=LEAKY, name=name
        )

    return dict(
        encoder=conv_encoder(latent_dim, "encoder"),
        decoder=ConvDecoder(
            image_shape, filters=filters[::-1], output_activation="sigmoid", name="decoder"
        ),
        latent_encoder=conv_encoder(latent_dim, "latent_encoder"),
        discriminator=conv_encoder(width, "discriminator", dense_units=0),
    )
