"""Training configuration: frozen dataclasses loaded from YAML/JSON, strictly validated.

Unknown keys are errors that name the key and list the valid ones; bad values are
errors that name the field. Command-line overrides use dotted keys
(`training.epochs=5`) and go through the same validation.
"""

import dataclasses
import json
import os
import typing

from tfvae.quoting import clean, quote
from tfvae.score_names import NEIGHBOUR_SCORES, SCORE_NAMES
from tfvae.training.config_files import config_path

DATA_SOURCES = ("demo", "npz", "table", "mnist_idx", "kddcup99")
MODEL_TYPES = ("vae", "autoencoder")
ARCHITECTURES = ("dense", "conv")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
LR_SCHEDULES = ("constant", "cosine", "exponential")
STRATEGIES = ("auto", "default", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


class ConfigError(ValueError):
    """A configuration file or override that cannot be used (typo, bad value)."""


def _fail(section, name, expected, value):
    raise ConfigError(
        f"Expected `{section}.{name}` to be {expected}. Received: {name}={quote(value)}"
    )


def _check_int(section, name, value, minimum, maximum=None):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        _fail(section, name, f"an int >= {minimum}", value)
    if maximum is not None and value > maximum:
        _fail(section, name, f"an int in [{minimum}, {maximum}]", value)


def _check_float(section, name, value, low, high, high_open=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        ok = low <= value < high if high_open else low <= value <= high
    if not ok:
        closing = ")" if high_open else "]"
        _fail(section, name, f"a number in [{low}, {high}{closing}", value)


def _check_choice(section, name, value, choices):
    if value not in choices:
        _fail(section, name, f"one of {list(choices)}", value)


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Where the data comes from and how it is split.

    `source` picks the loader: `table` (CSV or Parquet with raw columns: one file, a
    glob of shards or a folder; read from the files, never held in memory), `kddcup99`
    (the KDD Cup 99 file, a `table` with its column names), `npz`, `mnist_idx` or
    `demo` (arrays in memory). `path` is a file, glob or folder (unused by `demo`).
    Models train on normal rows only: `normal_label` is the label value of normal
    rows (in `label_column` for tables, default 0; for MNIST the digit that is
    normal). `validation_fraction` of the normal rows is held out for validation loss
    and threshold calibration, `test_fraction` of the normal rows goes to the test set
    together with every anomaly (tables split each row by a hash of its file and line).
    `categorical`/`numeric` force column kinds of a table (others are inferred);
    `shuffle_buffer` is the rows a table's training stream mixes at once.
    `max_rows` caps the rows read (0 = all), for quick runs.
    """

    source: str = "demo"
    path: typing.Optional[str] = None
    label_column: typing.Optional[str] = None
    normal_label: typing.Any = None
    validation_fraction: float = 0.2
    test_fraction: float = 0.2
    max_rows: int = 0
    categorical: tuple = ()
    numeric: tuple = ()
    shuffle_buffer: int = 65536

    def __post_init__(self):
        _check_choice("data", "source", self.source, DATA_SOURCES)
        for name in ("categorical", "numeric"):
            names = getattr(self, name)
            if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
                _fail("data", name, "a list of column names", names)
            if names and self.source != "table":
                _fail("data", name, "empty unless data.source is 'table'", names)
            object.__setattr__(self, name, tuple(names))
        _check_int("data", "shuffle_buffer", self.shuffle_buffer, 1)
        if self.source != "demo" and self.path is None:
            raise ConfigError(
                f"`data.path` is required for data.source={self.source!r}; pass --data PATH."
            )
        if self.label_column is not None and self.source != "table":
            _fail("data", "label_column", "unset unless data.source is 'table'", self.label_column)
        if self.normal_label is not None and self.source in ("demo", "kddcup99"):
            _fail(
                "data", "normal_label", f"unset for data.source={self.source!r}", self.normal_label
            )
        _check_float("data", "validation_fraction", self.validation_fraction, 0.01, 0.9)
        _check_float("data", "test_fraction", self.test_fraction, 0.0, 0.9)
        _check_int("data", "max_rows", self.max_rows, 0)


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Encoder/decoder sizes and VAE options (see `tfvae.models.VAE`).

    The defaults are `VAEDetector()`'s (chosen on ADBench, see benchmarks/README.md):
    sizes from the table width (`"auto"`, dense only), three ensemble members, learned
    observation noise, robust standardisation with a logarithmic tail beyond 3; the
    score is the negative ELBO (the detector's `elbo_neighbours` needs the bank of
    training rows that only the detectors fill).
    `standardize` (as `VAEDetector(standardize=...)`) is `auto` (tables read from files:
    the `TabularPreprocessor`; arrays: `robust`), `true` (mean/std), `"robust"`
    (median/IQR) or `false` (arrays only); `tail_knee` (or null) applies to arrays.
    """

    type: str = "vae"
    architecture: str = "dense"
    latent_dim: typing.Any = "auto"
    hidden_units: typing.Any = "auto"
    filters: tuple = (32, 64)
    activation: str = "relu"
    dropout: float = 0.0
    members: int = 3
    likelihood: str = "gaussian"
    observation_noise: str = "learned"
    score_name: str = "negative_elbo"
    standardize: typing.Any = "auto"
    tail_knee: typing.Optional[float] = 3.0
    trim_fraction: float = 0.0

    def __post_init__(self):
        _check_choice("model", "type", self.type, MODEL_TYPES)
        _check_choice("model", "architecture", self.architecture, ARCHITECTURES)
        if self.latent_dim != "auto":
            _check_int("model", "latent_dim", self.latent_dim, 1)
        _check_int("model", "members", self.members, 1)
        if self.tail_knee is not None:
            _check_float("model", "tail_knee", self.tail_knee, 1e-6, 1e6)
        _check_float("model", "trim_fraction", self.trim_fraction, 0.0, 0.5, high_open=True)
        for name in ("hidden_units", "filters"):
            units = getattr(self, name)
            if units == "auto" and name == "hidden_units":
                continue
            if not isinstance(units, (list, tuple)) or not all(
                isinstance(u, int) and not isinstance(u, bool) and u > 0 for u in units
            ):
                _fail("model", name, "a list of positive ints", units)
            object.__setattr__(self, name, tuple(units))
        _check_float("model", "dropout", self.dropout, 0.0, 1.0, high_open=True)
        if self.architecture == "conv":
            # ConvEncoder has relu convolutions and one dense layer: refuse what it would ignore.
            if self.dropout:
                _fail("model", "dropout", "0 for the conv architecture (dense only)", self.dropout)
            if self.hidden_units != "auto" and len(self.hidden_units) != 1:
                _fail(
                    "model",
                    "hidden_units",
                    "one size for the conv architecture (its dense layer "
                    "before the latent heads), e.g. [64]",
                    list(self.hidden_units),
                )
            if self.activation != "relu":
                _fail(
                    "model",
                    "activation",
                    "'relu' for the conv architecture (its convolutions and dense layer use relu)",
                    self.activation,
                )
            if "auto" in (self.latent_dim, self.hidden_units):
                _fail(
                    "model",
                    "latent_dim/hidden_units",
                    "explicit sizes for the conv architecture",
                    (self.latent_dim, self.hidden_units),
                )
            if self.members > 1:
                _fail("model", "members", "1 for the conv architecture (dense only)", self.members)
        _check_choice("model", "likelihood", self.likelihood, ("gaussian", "bernoulli"))
        _check_choice("model", "observation_noise", self.observation_noise, ("fixed", "learned"))
        # The neighbour scores need a bank of remembered training rows, which only the
        # detectors fill (`VAEDetector`); a run scores without one.
        _check_choice(
            "model",
            "score_name",
            self.score_name,
            tuple(name for name in SCORE_NAMES if name not in NEIGHBOUR_SCORES),
        )
        if self.standardize not in (True, False, "robust", "auto"):
            _fail("model", "standardize", "auto, true, false or 'robust'", self.standardize)


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """Optimizer and learning-rate schedule (`constant`, `cosine` decay, `exponential`)."""

    name: str = "adam"
    learning_rate: float = 1e-3
    schedule: str = "constant"
    decay_rate: float = 0.5
    decay_epochs: float = 10.0
    clipnorm: typing.Optional[float] = None

    def __post_init__(self):
        _check_choice("optimizer", "name", self.name, OPTIMIZERS)
        _check_float("optimizer", "learning_rate", self.learning_rate, 1e-12, 10.0)
        _check_choice("optimizer", "schedule", self.schedule, LR_SCHEDULES)
        _check_float("optimizer", "decay_rate", self.decay_rate, 0.0, 1.0)
        _check_float("optimizer", "decay_epochs", self.decay_epochs, 1e-3, 1e6)
        if self.clipnorm is not None:
            _check_float("optimizer", "clipnorm", self.clipnorm, 1e-12, 1e9)


@dataclasses.dataclass(frozen=True)
class LossConfig:
    """KL weight: `beta` after a linear warm-up from 0 over `kl_warmup_epochs`."""

    beta: float = 1.0
    kl_warmup_epochs: int = 0

    def __post_init__(self):
        _check_float("loss", "beta", self.beta, 0.0, 1e6)
        _check_int("loss", "kl_warmup_epochs", self.kl_warmup_epochs, 0)


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """The `fit` loop and reproducibility.

    Give `batch_size` (the global batch, split over replicas; must be divisible by
    their number) or `per_replica_batch_size` (the global batch is then this times
    the number of replicas), not both. `backup_freq` is `"epoch"` or a number of
    steps between fault-tolerance backups.
    """

    epochs: int = 20
    batch_size: typing.Optional[int] = 128
    per_replica_batch_size: typing.Optional[int] = None
    seed: int = 0
    deterministic: bool = False
    precision: str = "float32"
    steps_per_execution: int = 1
    jit_compile: bool = False
    early_stopping_patience: int = 0
    backup_freq: typing.Any = "epoch"
    checkpoint_every_epoch: bool = True
    histogram_freq: int = 1
    verbose: int = 2

    def __post_init__(self):
        _check_int("training", "epochs", self.epochs, 1)
        if (self.batch_size is None) == (self.per_replica_batch_size is None):
            raise ConfigError(
                "Give exactly one of `training.batch_size` (global) and "
                "`training.per_replica_batch_size`. Received: "
                f"batch_size={self.batch_size!r}, per_replica_batch_size={self.per_replica_batch_size!r}"
            )
        for name in ("batch_size", "per_replica_batch_size"):
            if getattr(self, name) is not None:
                _check_int("training", name, getattr(self, name), 1)
        _check_int("training", "seed", self.seed, 0, 2**32 - 1)  # numpy's seed range
        for name in ("deterministic", "jit_compile", "checkpoint_every_epoch"):
            if not isinstance(getattr(self, name), bool):
                _fail("training", name, "true or false", getattr(self, name))
        _check_choice("training", "precision", self.precision, PRECISIONS)
        _check_int("training", "steps_per_execution", self.steps_per_execution, 1)
        _check_int("training", "early_stopping_patience", self.early_stopping_patience, 0)
        if self.backup_freq != "epoch":
            _check_int("training", "backup_freq", self.backup_freq, 1)
        _check_int("training", "histogram_freq", self.histogram_freq, 0)
        _check_int("training", "verbose", self.verbose, 0)


@dataclasses.dataclass(frozen=True)
class StrategyConfig:
    """Distribution strategy: `auto` (mirrored over all GPUs if any, else default),
    `default`, `mirrored`, `multi_worker` (cluster from `TF_CONFIG`) or `tpu`
    (`tpu` is the TPU name/address, empty for a local TPU VM).
    """

    name: str = "auto"
    tpu: str = ""

    def __post_init__(self):
        _check_choice("strategy", "name", self.name, STRATEGIES)


@dataclasses.dataclass(frozen=True)
class CalibrationConfig:
    """Threshold rule fitted on the held-out normal validation scores.

    `method` is `percentile` (value in (0, 100)), `contamination` (value in
    (0, 0.5]) or `target_fpr` (value in (0, 1)).
    """

    method: str = "percentile"
    value: float = 99.0

    def __post_init__(self):
        from tfvae.thresholds.rules import RULES, threshold_rule

        _check_choice("calibration", "method", self.method, tuple(RULES))
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            _fail("calibration", "value", "a number", self.value)
        try:
            threshold_rule(self.method, self.value)
        except ValueError as error:
            raise ConfigError(f"calibration.value: {error}") from None


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """The whole run: one section per concern. Build with `load_config` or `from_dict`."""

    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    optimizer: OptimizerConfig = OptimizerConfig()
    loss: LossConfig = LossConfig()
    training: TrainingConfig = TrainingConfig()
    strategy: StrategyConfig = StrategyConfig()
    calibration: CalibrationConfig = CalibrationConfig()

    def __post_init__(self):
        if self.data.source in ("table", "kddcup99"):
            if self.model.standardize not in ("auto", True):
                _fail(
                    "model",
                    "standardize",
                    f"auto or true for data.source={self.data.source!r} "
                    "(its TabularPreprocessor scales the columns)",
                    self.model.standardize,
                )
            if self.model.architecture != "dense":
                _fail(
                    "model",
                    "architecture",
                    f"'dense' for data.source={self.data.source!r}",
                    self.model.architecture,
                )


SECTIONS = {f.name: f.default.__class__ for f in dataclasses.fields(TrainConfig)}


def _section_from_dict(name, cls, values):
    if not isinstance(values, dict):
        raise ConfigError(f"Expected section `{name}` to be a mapping. Received: {quote(values)}")
    valid = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(map(str, set(values) - set(valid)))
    if unknown:
        raise ConfigError(
            f"Unknown key `{name}.{clean(unknown[0])}` in the config. Valid keys of `{name}`: "
            f"{valid}."
        )
    return cls(**values)


def from_dict(values):
    """Builds a validated `TrainConfig` from a nested dict (as read from YAML/JSON)."""
    if not isinstance(values, dict):
        raise ConfigError(
            f"Expected the config to be a mapping of sections. Received: {quote(values)}"
        )
    unknown = sorted(map(str, set(values) - set(SECTIONS)))
    if unknown:
        raise ConfigError(
            f"Unknown section `{clean(unknown[0])}` in the config. Valid sections: "
            f"{list(SECTIONS)}."
        )
    return TrainConfig(
        **{
            name: _section_from_dict(name, cls, values.get(name, {}))
            for name, cls in SECTIONS.items()
        }
    )


def to_dict(config):
    """The config as a JSON/YAML-ready nested dict (tuples become lists)."""

    def plain(value):
        return list(value) if isinstance(value, tuple) else value

    return {
        name: {k: plain(v) for k, v in dataclasses.asdict(getattr(config, name)).items()}
        for name in SECTIONS
    }


#: Config files are a few hundred bytes; a larger one is refused before parsing.
MAX_CONFIG_BYTES = 1 << 20


def load_config(path, overrides=None):
    """Reads a `.yaml`/`.yml`/`.json` config file (or a packaged config by name, see
    `config_files.config_path`), applies dotted-key `overrides` (as `with_overrides`) and
    validates the result (a file may leave `data.path` to `--data`).

    YAML is read with `yaml.SafeLoader` less what a config never needs: anchors and
    aliases (which can expand a small file into a huge value), explicit tags
    (`!!python/object`) and repeated keys are errors naming the file and line.

    Raises:
        FileNotFoundError: no file at `path`.
        ConfigError: a file that does not parse, or a bad key or value (named).
    """
    path = config_path(path)  # a file, or a packaged config by name (`demo`)
    shown = clean(path)
    if not path.endswith((".json", ".yaml", ".yml")):
        raise ConfigError(f"Expected a .yaml, .yml or .json config file. Received: {shown}")
    if os.path.getsize(path) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{shown} is {os.path.getsize(path)} bytes; a config file is at most "
            f"{MAX_CONFIG_BYTES} bytes. Is it the right file?"
        )
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{shown}, line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}); save the "
            "file as UTF-8."
        ) from None
    values = _parse(text, shown, json_text=path.endswith(".json"))
    try:
        return from_dict(_overridden(values or {}, overrides or {}))
    except ConfigError as error:
        raise ConfigError(f"{shown}: {error}") from None


def parse_value(text):
    """Parses an override value the way a config file is read (`5`, `0.1`, `true`, `[64, 32]`)."""
    return _parse(text, f"--set value {quote(text)}")


def _parse(text, where, json_text=False):
    """The value of YAML (or JSON) `text`; errors name `where` and the line."""
    import yaml

    try:
        if json_text:
            return json.loads(text, object_pairs_hook=_unique_keys)
        loader = _strict_yaml_loader()(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{where}, line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply for a config.") from None
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "not valid YAML"
        if "'\\t'" in problem:
            problem += " (YAML indents with spaces, not tabs)"
        at = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{where}{at}: {clean(problem)}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{where}: {clean(' '.join(str(error).split()))}") from None


def _unique_keys(pairs):
    """`json.loads` hook: a dict of `pairs`, refusing a repeated key (JSON keeps the last)."""
    values = {}
    for key, value in pairs:
        if key in values:
            raise ConfigError(f"repeated key {quote(key)}; give each key once.")
        values[key] = value
    return values


def _strict_yaml_loader():
    """`yaml.SafeLoader` refusing anchors, aliases, explicit tags and repeated keys."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            event = self.peek_event()
            refused = None
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                refused = (
                    "anchors and aliases (&name, *name) are not supported; write the value out"
                )
            elif getattr(event, "tag", None) is not None:
                refused = f"tags ({clean(event.tag)}) are not supported; write plain values"
            if refused:
                raise yaml.MarkedYAMLError(problem=refused, problem_mark=event.start_mark)
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, typing.Hashable):
                    continue  # SafeLoader refuses it with its line
                if key in seen:
                    raise yaml.MarkedYAMLError(
                        problem=f"repeated key {quote(key)}; give each key once",
                        problem_mark=key_node.start_mark,
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def with_overrides(config, overrides):
    """Returns a copy of `config` with dotted-key overrides applied and validated.

    Args:
        config: a `TrainConfig`.
        overrides: dict mapping `"section.key"` to a value.
    """
    return from_dict(_overridden(to_dict(config), overrides))


def _overridden(values, overrides):
    if not isinstance(values, dict):
        raise ConfigError(f"Expected the config to be a mapping of sections. Received: {values!r}")
    values = {
        name: dict(section) if isinstance(section, dict) else section
        for name, section in values.items()
    }
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        if section not in SECTIONS or not key:
            raise ConfigError(
                f"Override `{dotted}` must look like SECTION.KEY with SECTION in {list(SECTIONS)}."
            )
        values.setdefault(section, {})[key] = value
    return values
