"""The frozen training configuration: one object says how to reproduce a run."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from topocli.errors import TopocliError

__all__ = ["EXECUTION_FIELDS", "HEADS", "LATER_FIELDS", "OPTIMIZERS", "PRESETS",
           "TrainConfig", "config_from_preset"]

OPTIMIZERS = ("adam", "sgd")
#: Where and how a run executes, not what it computes: a run may be resumed with other
#: values (on another machine, from another data folder, on another device).
EXECUTION_FIELDS = ("data_dir", "checkpoint", "device")
HEADS = ("pool", "flatten", "randwire")   # literal copy of model.HEADS (no torch import)
#: Fields added after results were first recorded, with the value that reproduces those
#: results: :meth:`TrainConfig.to_dict` leaves a field out at that value, so every
#: earlier ``config.json``, result and sweep fingerprint stays byte for byte the same
#: (:meth:`TrainConfig.from_dict` fills the value back in).
LATER_FIELDS = {"patience": 0}

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


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run (written next to every result).

    The defaults are the digits budget: the Varshney graph reaches >= 95% test accuracy
    in about a minute on 2 cores (see ``benchmarks/RESULTS-training.md``).
    """

    dag: str = "random-order"           #: random-order | generator-order | class-order | ...
    dataset: str = "digits"             #: digits | mnist | fashion-mnist | kmnist | cifar10
    data_dir: str | None = None
    epochs: int = 5
    batch_size: int = 64
    lr: float = 0.01
    optimizer: str = "adam"             #: adam | sgd (with momentum, Nesterov off)
    momentum: float = 0.9
    weight_decay: float = 5e-5
    label_smoothing: float = 0.0
    channels: int = 16                  #: C: channels of the stem and of every node
    stages: int = 1
    stem_stride: int | None = None      #: None: 2 for inputs >= 16 px, else 1
    stem_convs: int = 1                 #: 1 (C) or 2 (C/2 then C, Xie's small regime)
    stage_stride: int = 1               #: stride of the first stage's input nodes
    channel_growth: int = 1             #: channels x this per stage (Xie: 2)
    head: str = "pool"                  #: pool | flatten | randwire
    preset: str | None = None           #: the --preset these values started from
    frozen: bool = False                #: keep DAG-stage weights at their init (DCN)
    no_graph: bool = False              #: stem + classifier only (DCN baseline)
    seed: int = 0                       #: init, data order and DAG order
    split_seed: int = 0                 #: train/val/test split (same for every run)
    threads: int | None = None          #: torch threads (None: leave torch's default)
    device: str = "auto"                #: auto | cpu | cuda | cuda:N | mps (see device.py)
    val_fraction: float = 0.1
    max_train: int | None = None        #: use only this many training images
    checkpoint: bool = True             #: save/resume ``checkpoint.pt`` in the out dir
    patience: int = 0                   #: early stopping on val_acc (0: off; epochs: cap)

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
        from topocli.training.dag import DAG_METHODS
        from topocli.training.data import DATASETS

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
