"""What a run trains on: arrays held in memory, or a table read from its files.

Both kinds answer the same questions for `run.train`: the preprocessing layer the
model embeds, the input shape, the steps of an epoch, the `tf.data` input of `fit`
under a strategy, and the validation and test rows for calibration. Tables (`table`,
`kddcup99` sources) are never materialised: one statistics pass, then every epoch
streams from the files, each worker reading only its share.
"""

import numpy as np

from tfvae.data import array_sources
from tfvae.data.row_split import TEST, TRAIN, VALIDATION, RowSplit, Sharding
from tfvae.data.table_stream import iter_split_blocks, table_dataset
from tfvae.preprocessing.feature_scaler import scaler_for

TABLE_SOURCES = ("table", "kddcup99")


def load_inputs(config, workers=1):
    """`ArrayInputs` or `TableInputs` for the `DataConfig` of `config`.

    Raises:
        FileNotFoundError / ValueError: bad data, naming the file (and line).
    """
    data, seed = config.data, config.training.seed
    if data.source in TABLE_SOURCES:
        return TableInputs(data, seed, workers)
    if data.source == "demo":
        x, y, names = array_sources.demo_arrays(seed)
    elif data.source == "npz":
        x, y, names = array_sources.npz_arrays(data.path, data.normal_label)
    else:
        digit = 0 if data.normal_label is None else data.normal_label
        x, y, names = array_sources.mnist_arrays(data.path, digit)
    bundle = array_sources.split_arrays(
        x, y, names, data.validation_fraction, data.test_fraction, seed, data.max_rows
    )
    return ArrayInputs(bundle)


class ArrayInputs:
    """A data set split in memory (`tfvae.data.array_sources.ArrayBundle`)."""

    def __init__(self, bundle):
        self.bundle = bundle
        self.feature_names = bundle.feature_names
        self.feature_shape = tuple(bundle.x_train.shape[1:])
        self.input_shape = (None, *self.feature_shape)
        if len(bundle.x_val) == 0:
            raise ValueError("The validation split is empty; raise data.validation_fraction.")

    def describe(self):
        return self.bundle.describe()

    def preprocessor(self, model_config):
        """The `FeatureScaler` of `model.standardize` fitted on the training rows, or None."""
        x = self.bundle.x_train
        return scaler_for(x.reshape(len(x), -1), model_config.standardize, model_config.tail_knee)

    def steps_per_epoch(self, global_batch, workers):
        # Every worker holds the arrays and keeps its slice of each global batch.
        return len(self.bundle.x_train) // global_batch

    def datasets(self, config, strategy, global_batch, workers, first_epoch):
        import tensorflow as tf

        t = config.training
        rows = tf.constant(self.bundle.x_train)
        batches = epoch_orders(len(rows), global_batch, t.seed, first_epoch, t.epochs)
        train = tf.data.Dataset.from_tensor_slices(batches).map(lambda i: tf.gather(rows, i))
        train = train.prefetch(tf.data.AUTOTUNE)
        val = tf.data.Dataset.from_tensor_slices(self.bundle.x_val).batch(global_batch)
        if workers > 1:
            # Every worker builds the same batches; each keeps its replicas' slices.
            options = tf.data.Options()
            policy = tf.data.experimental.AutoShardPolicy.DATA
            options.experimental_distribute.auto_shard_policy = policy
            train, val = train.with_options(options), val.with_options(options)
        return train, val, None

    def validation_inputs(self):
        yield self.bundle.x_val

    def latent_sample(self, n=512, seed=0):
        """A fixed random sample of validation rows (`LatentHistograms`)."""
        rows = np.random.default_rng(seed).permutation(len(self.bundle.x_val))[:n]
        return self.bundle.x_val[np.sort(rows)]

    def test_inputs(self):
        if self.bundle.y_test is not None and len(self.bundle.x_test):
            yield self.bundle.x_test, self.bundle.y_test


def epoch_orders(n_rows, global_batch, seed, first_epoch, epochs):
    """Row indices of each remaining epoch's batches, `[steps * epochs_left, global_batch]`.

    Epoch `e` uses the permutation seeded by `(seed, e)`: the order does not depend on
    the strategy and a resumed run sees the same batches as an uninterrupted one from
    its restart epoch. Each epoch has `n_rows // global_batch` full batches.
    """
    steps = n_rows // global_batch
    if first_epoch >= epochs:  # killed after the last epoch, before the backup was removed
        return np.empty((0, global_batch), dtype=np.int64)
    orders = [
        np.random.default_rng([seed, epoch]).permutation(n_rows)[: steps * global_batch]
        for epoch in range(first_epoch, epochs)
    ]
    return np.concatenate(orders).reshape(-1, global_batch)


class TableInputs:
    """A CSV/Parquet table (one file, shards or the KDD Cup file) read from its files."""

    def __init__(self, data, seed, workers):
        from tfvae.data.table_files import TableFiles
        from tfvae.data.table_scan import scan_tables

        if data.source == "kddcup99":
            from tfvae.data.kddcup99 import kddcup99_table

            self.table = kddcup99_table(data.path, max_rows=data.max_rows)
        else:
            self.table = TableFiles.from_path(
                data.path,
                label_column=data.label_column,
                normal_label=0 if data.normal_label is None else data.normal_label,
                categorical=tuple(data.categorical),
                numeric=tuple(data.numeric),
                max_rows=data.max_rows,
            )
        self.row_split = RowSplit(seed, data.validation_fraction, data.test_fraction)
        self.shuffle_buffer = data.shuffle_buffer
        self.seed = seed
        self.scan = scan_tables(self.table, self.row_split, workers=workers)
        self.feature_names = [spec["name"] for spec in self.scan.specs]
        if int(self.scan.counts[:, VALIDATION].min()) == 0:
            raise ValueError("The validation split is empty; raise data.validation_fraction.")

    def describe(self):
        return {**self.scan.describe(), "files": list(self.table.files)}

    def preprocessor(self, model_config):
        """The `TabularPreprocessor` of the statistics pass (the config checks `standardize`)."""
        return self.scan.preprocessor()

    @property
    def feature_shape(self):
        return (self.scan.preprocessor().output_dim,)

    @property
    def input_shape(self):
        return {name: (None,) for name in self.feature_names}

    def steps_per_epoch(self, global_batch, workers):
        return self.scan.steps(TRAIN, global_batch // workers)

    def datasets(self, config, strategy, global_batch, workers, first_epoch):
        """Train and validation input; with several workers, each reads only its share."""
        t = config.training
        per_worker = global_batch // workers
        steps = self.scan.steps(TRAIN, per_worker)
        val_steps = self.scan.steps(VALIDATION, per_worker)
        if val_steps == 0:
            raise ValueError(
                f"The validation split has fewer than {per_worker} rows per worker; raise "
                "data.validation_fraction or lower the batch size."
            )

        def make(split, sharding, batch, steps, seed, epochs, first):
            return table_dataset(
                self.table,
                self.scan,
                split,
                batch,
                steps,
                self.row_split,
                sharding,
                seed=seed,
                epochs=epochs,
                first_epoch=first,
                shuffle_buffer=self.shuffle_buffer,
            )

        if workers == 1:
            train = make(TRAIN, Sharding(), global_batch, steps, t.seed, t.epochs, first_epoch)
            val = make(VALIDATION, Sharding(), global_batch, val_steps, None, 1, 0)
            return train, val, val_steps
        local = strategy.num_replicas_in_sync // workers

        def per_worker_input(split, seed, epochs, first, n_steps):
            def dataset_fn(context):
                sharding = Sharding(context.input_pipeline_id, context.num_input_pipelines)
                batch = context.get_per_replica_batch_size(global_batch)
                # Each element feeds one local replica: `local` elements per step.
                return make(split, sharding, batch, n_steps * local, seed, epochs, first)

            return strategy.distribute_datasets_from_function(dataset_fn)

        train = per_worker_input(TRAIN, t.seed, t.epochs, first_epoch, steps)
        val = per_worker_input(VALIDATION, None, 1, 0, val_steps)
        return train, val, val_steps

    def validation_inputs(self):
        for block in iter_split_blocks(self.table, self.scan, VALIDATION, self.row_split):
            yield block.columns

    def latent_sample(self, n=512, seed=0):
        """The first `n` validation rows in file order (`LatentHistograms`)."""
        block = next(self.validation_inputs())
        return {name: values[:n] for name, values in block.items()}

    def test_inputs(self):
        if self.scan.n_anomalies is None:
            return
        for block in iter_split_blocks(self.table, self.scan, TEST, self.row_split):
            yield block.columns, block.is_anomaly.astype(int)


def worker_count(strategy):
    """Input pipelines of `strategy`: the workers of a multi-worker cluster, else 1."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return 1
    spec = resolver.cluster_spec().as_dict()
    return max(1, len(spec.get("worker", [])) + len(spec.get("chief", [])))
