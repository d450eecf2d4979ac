"""The frozen training configuration: one object says how to reproduce a run.

Each field carries its command-line help and choices as field metadata
(``field(default=..., metadata={"help": ..., "choices": ...})``); ``topocli train`` and
``topocli train-sweep`` generate their options from it (:func:`topocli.cli.options.
config_options`), so a default, a help text and a list of choices live here only. The
names a config chooses between (:data:`DAG_METHODS`, :data:`DATASETS`, :data:`HEADS`,
:data:`OPTIMIZERS`, :data:`PRESETS`) are written here once too: this module imports no
torch, so the CLI reads them without loading it, and ``dag.py``, ``data.py`` and
``model.py`` import them from here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from topocli.errors import TopocliError

__all__ = ["DAG_METHODS", "DATASETS", "EXECUTION_FIELDS", "HEADS", "LATER_FIELDS",
           "OPTIMIZERS", "PRESETS", "TrainConfig", "config_from_preset"]

#: How a graph becomes a DAG (:mod:`topocli.training.dag`).
DAG_METHODS = ("random-order", "generator-order", "class-order", "feedback-arc")
#: Training data (:mod:`topocli.training.data`); none is downloaded.
DATASETS = ("digits", "mnist1d", "mnist", "fashion-mnist", "kmnist", "cifar10")
#: Classifier heads (:class:`topocli.training.model.RandWireNet`).
HEADS = ("pool", "flatten", "randwire")
OPTIMIZERS = ("adam", "sgd")
#: Where and how a run executes, not what it computes: a run may be resumed with other
#: values (on another machine, from another data folder, on another device).
EXECUTION_FIELDS = ("data_dir", "checkpoint", "device", "measure_cost")
#: Fields added after results were first recorded, with the value that reproduces those
#: results: :meth:`TrainConfig.to_dict` leaves a field out at that value, so every
#: earlier ``config.json``, result and sweep fingerprint stays byte for byte the same
#: (:meth:`TrainConfig.from_dict` fills the value back in).
LATER_FIELDS = {"patience": 0, "measure_cost": False}

#: Named sets of options (``--preset``); explicit options override them.
PRESETS: dict[str, dict] = {
    # Roberts et al. 2019 (Deep Connectomics Networks) and the authors' code: one stem conv
    # 3x3 stride 2 + BN + ReLU, one DAG stage whose input nodes keep the stem's resolution
    # (a frozen stage then leaves the head's input and the trainable parameters equal to
    # the baseline's), flatten head, C = 78, Adam 1e-3 without weight decay, batch 32,
    # half-period cosine, random-order DAG. A smaller --channels is the cheap option.
    "dcn": {"stem_convs": 1, "stem_stride": 2, "stages": 1, "stage_stride": 1,
            "channel_growth": 1, "head": "flatten", "channels": 78, "optimizer": "adam",
            "lr": 1e-3, "weight_decay": 0.0, "batch_size": 32, "label_smoothing": 0.0,
            "dag": "random-order"},
    # Xie et al. 2019's small regime: stem convs C/2 and C at stride 2, three stages C,
    # 2C, 4C whose input nodes have stride 2, the 1x1-conv-to-1,280 head, C = 78, SGD
    # (momentum 0.9) lr 0.1, weight decay 5e-5, label smoothing 0.1, cosine. On small
    # inputs the trailing stride-2 reductions are dropped (see training.train.plan_strides).
    "randwire-small": {"stem_convs": 2, "stem_stride": 2, "stages": 3, "stage_stride": 2,
                       "channel_growth": 2, "head": "randwire", "channels": 78,
                       "optimizer": "sgd", "lr": 0.1, "momentum": 0.9,
                       "weight_decay": 5e-5, "label_smoothing": 0.1},
}


def _option(default, help: str, *, choices: tuple | None = None, strict: bool = True,
            cli: bool = True, path: bool = False, metavar: str | None = None):
    """A config field with its command-line face in ``metadata``: ``help``, ``choices``
    (``strict=False``: listed in the help and checked by :meth:`TrainConfig.validate`
    with its own message, not by the option parser), ``cli`` (False: no option; the
    command sets it another way), ``path`` and ``metavar``."""
    return field(default=default, metadata={
        "help": help, "choices": choices, "strict": strict, "cli": cli, "path": path,
        "metavar": metavar})


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run (written next to every result).

    The defaults are the digits budget, on which the Varshney graph reaches >= 95% test
    accuracy (figures: ``benchmarks/RESULTS-training.md``, section 2).
    """

    dag: str = _option(
        "random-order", "How the graph becomes a DAG (generator-order: the node order of "
        "the file or generator, as Xie et al.).", choices=DAG_METHODS)
    dataset: str = _option(
        "digits", f"One of {', '.join(DATASETS)} (digits is bundled and mnist1d generated "
        "offline; the others read --data-dir).", choices=DATASETS, strict=False)
    data_dir: str | None = _option(
        None, "Folder with the dataset files (IDX or CIFAR-10 binary).", path=True)
    epochs: int = _option(5, "Training epochs (with --patience: the cap).")
    batch_size: int = _option(64, "Images per training step.")
    lr: float = _option(0.01, "Peak learning rate (half-period cosine schedule to 0).")
    optimizer: str = _option("adam", "Adam, or SGD with --momentum (Nesterov off).",
                             choices=OPTIMIZERS)
    momentum: float = _option(0.9, "SGD momentum.")
    weight_decay: float = _option(5e-5, "L2 weight decay of the optimizer.")
    label_smoothing: float = _option(0.0, "Label smoothing of the cross-entropy loss.")
    channels: int = _option(16, "Channels C of the stem and of the first stage's nodes.")
    stages: int = _option(1, "DAG stages (each one after the first halves the resolution).")
    stem_stride: int | None = _option(
        None, "Stride of each stem conv (default: 2 for inputs >= 16 px, else 1).",
        choices=(1, 2))
    stem_convs: int = _option(1, "Stem convs: 1 (C channels) or 2 (C/2 then C, Xie et al.).",
                              choices=(1, 2))
    stage_stride: int = _option(
        1, "Stride of the first stage's input nodes (Xie et al.: 2; DCN: 1).", choices=(1, 2))
    channel_growth: int = _option(1, "Channel multiplier per stage (Xie et al.: 2).",
                                  choices=(1, 2))
    head: str = _option(
        "pool", "Classifier head: pool (ReLU, global pool, linear), flatten (ReLU, flatten, "
        "linear) or randwire (1x1 conv to 1,280 + BN + ReLU, global pool, linear).",
        choices=HEADS)
    preset: str | None = _option(
        None, "Named settings: 'dcn' (Roberts et al. 2019: stem conv stride 2, one stage at "
        "stride 1, flatten head, C=78, Adam 1e-3, no weight decay, batch 32) or "
        "'randwire-small' (Xie et al. 2019's small regime: two stem convs, stages C/2C/4C "
        "at stride 2, randwire head, SGD 0.1, label smoothing 0.1). Options given "
        "explicitly override it.", choices=tuple(PRESETS))
    frozen: bool = _option(False, "Do not train the DAG stage (DCN's frozen variant).")
    no_graph: bool = _option(False, "Stem and head only (DCN's baseline); GRAPH is ignored.")
    seed: int = _option(0, "Init, data order and DAG order (the command's --seed).",
                        cli=False)
    split_seed: int = _option(0, "Train/val/test split (the same for every run).",
                              cli=False)
    threads: int | None = _option(None, "Cap torch's CPU threads (default: torch's choice).")
    device: str = _option(
        "auto", "auto (a CUDA GPU, then Apple MPS, then the CPU), cpu, cuda, cuda:N or mps; "
        "a device that is not there is an error, never a fall-back.")
    val_fraction: float = _option(0.1, "Share of the training images held out for "
                                       "validation.")
    max_train: int | None = _option(None, "Use only this many training images.")
    checkpoint: bool = _option(True, "Save and resume checkpoint.pt in the out dir.",
                               cli=False)
    patience: int = _option(
        0, "Stop a run when validation accuracy has not improved for N epochs; --epochs is "
        "the cap; test accuracy at the best validation epoch (0: off).", metavar="N")
    measure_cost: bool = _option(
        False, "After training, measure what the network costs to run: sparse MACs, peak "
        "activation memory, ONNX file sizes (fp32, int8) and CPU latency and throughput in "
        "torch and onnxruntime (needs topocli[deploy]).")

    def to_dict(self) -> dict:
        """The fields as a dict (without a :data:`LATER_FIELDS` field at its old value)."""
        return {k: v for k, v in dataclasses.asdict(self).items()
                if k not in LATER_FIELDS or v != LATER_FIELDS[k]}

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def experiment(self) -> dict:
        """The fields that decide the result (all but :data:`EXECUTION_FIELDS`)."""
        return {k: v for k, v in self.to_dict().items() if k not in EXECUTION_FIELDS}

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def validate(self) -> TrainConfig:
        """Raise :class:`TopocliError` for values that cannot work; return self."""
        checks = [
            (self.dag in DAG_METHODS,
             f"unknown --dag {self.dag!r}; choose one of {', '.join(DAG_METHODS)}"),
            (self.dataset in DATASETS,
             f"unknown dataset {self.dataset!r}; choose one of {', '.join(DATASETS)}"),
            (self.optimizer in OPTIMIZERS,
             f"unknown optimizer {self.optimizer!r}; choose adam or sgd"),
            (self.epochs >= 1, "--epochs must be at least 1"),
            (self.batch_size >= 2,
             "--batch-size must be at least 2 (batch norm needs two images per batch)"),
            (1 <= self.channels <= 4096, "--channels must be between 1 and 4096"),
            (1 <= self.stages <= 4, "--stages must be between 1 and 4"),
            (math.isfinite(self.lr) and self.lr > 0,
             f"--lr must be a positive number, not {self.lr}"),
            (0 <= self.momentum < 1, "--momentum must be in [0, 1)"),
            (math.isfinite(self.weight_decay) and self.weight_decay >= 0,
             f"--weight-decay must be a number >= 0, not {self.weight_decay}"),
            (0 <= self.label_smoothing < 1, "--label-smoothing must be in [0, 1)"),
            (0 <= self.val_fraction < 1, "--val-fraction must be in [0, 1)"),
            (self.threads is None or self.threads >= 1, "--threads must be at least 1"),
            (self.stem_stride in (None, 1, 2), "stem_stride must be 1, 2 or None"),
            (self.stem_convs in (1, 2), "--stem-convs must be 1 or 2"),
            (self.stage_stride in (1, 2), "--stage-stride must be 1 or 2"),
            (self.channel_growth in (1, 2), "--channel-growth must be 1 or 2"),
            (self.head in HEADS, f"unknown --head {self.head!r}; choose one of "
                                 f"{', '.join(HEADS)}"),
            (self.preset is None or self.preset in PRESETS,
             f"unknown --preset {self.preset!r}; choose one of {', '.join(PRESETS)}"),
            (_is_device_name(self.device),
             f"unknown --device {self.device!r}; choose auto, cpu, cuda, cuda:N or mps"),
            (self.max_train is None or self.max_train >= 2, "--max-train must be >= 2"),
            (self.patience >= 0, "--patience must be 0 (off) or more"),
            (self.patience == 0 or self.val_fraction > 0,
             "--patience stops on the validation accuracy: it needs --val-fraction > 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise TopocliError(message)
        return self


def config_from_preset(preset: str | None, **explicit) -> TrainConfig:
    """The :class:`TrainConfig` of ``preset`` (None: the defaults) with ``explicit``
    values on top; ``preset`` itself is recorded in the config.

    Raises :class:`TopocliError` for an unknown preset.
    """
    if preset is not None and preset not in PRESETS:
        raise TopocliError(f"unknown --preset {preset!r}; choose one of {', '.join(PRESETS)}")
    values = {**PRESETS.get(preset, {}), **explicit, "preset": preset}
    return TrainConfig(**values)


def _is_device_name(name: str) -> bool:
    from topocli.training.device import check_device_name

    try:
        check_device_name(name)
    except TopocliError:
        return False
    return True
