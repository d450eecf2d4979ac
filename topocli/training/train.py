"""The trainer, as a recipe (after pycls's ``trainer.py``).

:func:`train_graph` (the one public trainer) = :func:`setup_env` (out dir, config,
threads) -> :func:`setup_model` (graph -> DAG -> network, params and MACs) ->
:func:`train_epoch` / :func:`test_epoch` per epoch with a checkpoint after each (and early
stopping, :class:`~topocli.training.run.EarlyStopping`) -> result JSON and curve CSV. The
loop trains one run, or several that share a seed as one stacked model
(:func:`topocli.training.stack.train_stack`, the sweep's ``--stack``): the stack enters
only as the model that is stepped and as one optimiser per run. Every random stream
(DAG order, initialisation, data order of each epoch) derives from ``config.seed`` with
:func:`topocli.seeding.derive_seed`, so the same seed on the same CPU and thread count
gives the same accuracy to the last digit, and a resumed run continues exactly.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import logging
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from topocli.errors import TopocliError
from topocli.fileio import write_text_atomic
from topocli.outdir import claim_folder
from topocli.progress import ProgressFn, report
from topocli.provenance import versions
from topocli.seeding import derive_seed
from topocli.training.config import TrainConfig
from topocli.training.dag import Dag, build_dag, dag_to_json
from topocli.training.data import Splits, load_dataset
from topocli.training.device import resolve_device
from topocli.training.model import RandWireNet, build_network, complexity, feature_size
from topocli.training.run import EarlyStopping, RunState, claim_run, graph_info, record_graph

__all__ = ["load_data", "plan_strides", "setup_env", "setup_model", "test_epoch",
           "train_epoch", "train_graph"]

log = logging.getLogger("topocli")
CURVE_FIELDS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr")


@contextlib.contextmanager
def setup_env(config: TrainConfig, out_dir: str | Path | None, graph=None):
    """Check the config, claim ``out_dir`` (:func:`topocli.outdir.claim_folder`: locked
    for this run, refused if it holds anything but this very run), write ``config.json``,
    cap torch threads and isolate torch's global RNG.

    A run's identity is its config (:meth:`TrainConfig.experiment`) and its graph's
    content fingerprint: a folder holding another graph's run is refused, never resumed.
    """
    config.validate()
    out = Path(out_dir) if out_dir is not None else None
    with contextlib.ExitStack() as held:
        if out is not None:
            existing = held.enter_context(claim_folder(
                out, "train", resume=True,
                advice="wait for it to finish (rerun the same command then: it resumes), "
                       "or choose another --out folder"))
            claim_run(out, existing, config, graph)
        old_threads = torch.get_num_threads()
        if config.threads:
            torch.set_num_threads(config.threads)
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(derive_seed(config.seed, "init"))
                yield out
        finally:
            torch.set_num_threads(old_threads)


#: Smallest feature map a preset's stride-2 reductions may leave for the last stage.
MIN_FINAL_SIZE = 4


def plan_strides(size: int, stem: list[int], stages: list[int], *, drop: bool
                 ) -> tuple[list[int], list[int], list[str]]:
    """Strides of the stem convs and the stages' input nodes for a ``size``-pixel input.

    With ``drop`` (``--preset randwire-small``), stride-2 reductions are dropped from the
    last one backwards until the last stage sees at least ``min(MIN_FINAL_SIZE, size)``
    pixels: Xie et al.'s five reductions take 224 px to 7, but a 28-px input to 1.
    Returns the stem strides, the stage strides and the names of dropped reductions.
    """
    stem, stages = list(stem), list(stages)
    names = [f"stem conv {i + 1}" for i in range(len(stem))] + \
        [f"stage {i + 1}" for i in range(len(stages))]
    strides, dropped = stem + stages, []
    target = min(MIN_FINAL_SIZE, size)
    for i in reversed(range(len(strides))):
        if not drop or feature_size((size, size), strides)[0] >= target:
            break
        if strides[i] > 1:
            strides[i] = 1
            dropped.append(names[i])
    return strides[:len(stem)], strides[len(stem):], dropped[::-1]


def setup_model(graph, config: TrainConfig, data: Splits) -> tuple[RandWireNet, Dag | None,
                                                                      dict]:
    """Graph -> DAG -> network; returns the model, the DAG (None without a graph) and its
    complexity (params, trainable_params, macs per image) with the strides used."""
    dag = None
    if not config.no_graph:
        if graph is None:
            raise TopocliError("no graph given; pass a graph or use --no-graph")
        dag = build_dag(graph, config.dag, seed=derive_seed(config.seed, "dag"))
    c, h, w = data.input_shape
    stem_stride = config.stem_stride or (2 if min(h, w) >= 16 else 1)
    stem, stages, dropped = plan_strides(
        min(h, w), [stem_stride] * config.stem_convs,
        [config.stage_stride] + [2] * (config.stages - 1),
        drop=config.preset == "randwire-small")
    if dropped:
        log.warning("a %dx%d input is too small for every stride-2 reduction of --preset "
                    "%s; dropped: %s", h, w, config.preset, ", ".join(dropped))
    # a 1-D signal (N, C, 1, L) is one row: a stride-2 conv leaves the row of one and
    # halves the length, so the length is the side the reductions must fit in
    side = max(h, w) if min(h, w) == 1 else min(h, w)
    if side // 2 ** sum(s == 2 for s in stem + stages) < 1:
        raise TopocliError(f"{config.stages} stages need inputs larger than {h}x{w}; "
                           "use fewer --stages or --stage-stride 1")
    model = build_network(dag, config, data.input_shape, data.num_classes,
                          {"stem_strides": stem, "stage_strides": stages})
    cx = complexity(model, data.input_shape)
    cx.update(stem_stride=stem_stride, stem_strides=stem, stage_strides=stages,
              dropped_reductions=dropped,
              final_size=list(feature_size((h, w), stem + stages)))
    log.info("model: %s params (%s trainable), %.1f M MACs per image", cx["params"],
             cx["trainable_params"], cx["macs"] / 1e6)
    return model, dag, cx


def _lr_at(config: TrainConfig, step: int, total: int) -> float:
    """Cosine schedule from ``lr`` to 0 over all steps (per step, no warm-up)."""
    return config.lr * 0.5 * (1 + math.cos(math.pi * step / total))


def _as_runs(logits) -> list[torch.Tensor]:
    """A model's logits as one tensor per run (a stacked model returns a list)."""
    return logits if isinstance(logits, list) else [logits]


def train_epoch(model, optimizers, data: Splits, config: TrainConfig, epoch: int,
                progress: ProgressFn | None) -> list[dict]:
    """One pass over the training split in the epoch's seeded order.

    ``model`` is one network (``optimizers``: its optimizer) or a stacked one
    (:class:`topocli.training.stack.StackedNet`, one optimizer per run); returns one dict
    per run. Every run of a stack shares the seed, hence the order and the batches; the
    loss minimised is the sum of the runs' losses, whose gradient with respect to each
    run's (disjoint) parameters is that run's own gradient. ``progress``
    (:mod:`topocli.progress`) hears ``epoch E/N`` after each step but the last;
    the trainer reports the epoch's completion with its validation scores.
    """
    optimizers = list(optimizers) if isinstance(optimizers, (list, tuple)) else [optimizers]
    model.train()
    n, bs = len(data.y_train), config.batch_size
    # The order is drawn on the CPU (the same on every device), then moved once.
    order = torch.randperm(n, generator=torch.Generator().manual_seed(
        derive_seed(config.seed, "order", epoch) % 2**63)).to(data.y_train.device)
    steps = n // bs + (n % bs >= 2)   # a last batch of one image cannot be batch-normed
    k = len(optimizers)
    total_loss, correct, seen = [0.0] * k, [0] * k, 0
    for step in range(steps):
        idx = order[step * bs:(step + 1) * bs]
        lr = _lr_at(config, (epoch - 1) * steps + step, config.epochs * steps)
        for optimizer in optimizers:
            for group in optimizer.param_groups:
                group["lr"] = lr
        x, y = data.x_train[idx], data.y_train[idx]
        logits = _as_runs(model(x))
        losses = [F.cross_entropy(out, y, label_smoothing=config.label_smoothing)
                  for out in logits]
        for optimizer in optimizers:
            optimizer.zero_grad(set_to_none=True)
        (losses[0] if k == 1 else torch.stack(losses).sum()).backward()
        for optimizer in optimizers:
            optimizer.step()
        for i, (loss, out) in enumerate(zip(losses, logits)):
            total_loss[i] += loss.item() * len(y)
            correct[i] += int((out.argmax(1) == y).sum())
        seen += len(y)
        if step + 1 < steps:
            report(progress, f"epoch {epoch}/{config.epochs}", step + 1, steps,
                   f"loss {sum(total_loss) / (k * seen):.3f}")
    return [{"train_loss": total_loss[i] / seen, "train_acc": correct[i] / seen,
             "images": seen, "steps": steps} for i in range(k)]


@torch.no_grad()
def test_epoch(model, x: torch.Tensor, y: torch.Tensor, *, batch: int = 500
               ) -> list[tuple[float | None, float | None]]:
    """Mean cross-entropy and accuracy on ``(x, y)`` of each run of ``model`` (eval
    mode): one ``(loss, acc)`` for a single network, one per run for a stacked one."""
    model.eval()
    loss, correct = None, None
    for i in range(0, len(y), batch):
        logits = _as_runs(model(x[i:i + batch]))
        if loss is None:
            loss, correct = [0.0] * len(logits), [0] * len(logits)
        for r, out in enumerate(logits):
            loss[r] += F.cross_entropy(out, y[i:i + batch], reduction="sum").item()
            correct[r] += int((out.argmax(1) == y[i:i + batch]).sum())
    if loss is None:
        return [(None, None)] * _runs_in(model)
    return [(lo / len(y), c / len(y)) for lo, c in zip(loss, correct)]


def _runs_in(model) -> int:
    return len(getattr(model, "models", [model]))


def _make_optimizer(model, config: TrainConfig):
    """Adam or SGD over the trainable parameters. ``foreach``: one call per operation for
    all of a stage's ~150 small tensors instead of a Python loop over them (torch's CPU
    default): the same numbers to the bit, a faster step (RESULTS-training.md, section
    10)."""
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay,
                                foreach=True)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum,
                           weight_decay=config.weight_decay, foreach=True)


def load_data(config: TrainConfig, device: torch.device) -> Splits:
    """The dataset of ``config`` on ``device``; refuses a batch larger than the split."""
    data = load_dataset(config.dataset, config.data_dir, val_fraction=config.val_fraction,
                        split_seed=config.split_seed, max_train=config.max_train)
    data = data.to(device)
    if config.batch_size > len(data.y_train):
        raise TopocliError(f"--batch-size {config.batch_size} is larger than the "
                           f"{len(data.y_train)} training images; use a smaller one")
    return data


def _train_runs(graphs: list, config: TrainConfig, *, out_dirs=None,
               progress: ProgressFn | None = None, combine=None) -> list[dict]:
    """Train one network per graph under ``config``, all in one loop; one result each.

    One graph is :func:`train_graph`. Several (``combine`` given: a callable that turns
    the list of networks into one stacked model, :func:`topocli.training.stack.train_stack`)
    share the seed, the data and every step, and each keeps its own parameters, optimiser,
    curve, checkpoint and result. Every run must resume from the same epoch.
    """
    if config.patience > 0 and len(graphs) > 1:
        raise TopocliError("--patience stops each run at its own epoch: it cannot stack "
                           "runs; use --stack 1")
    device = resolve_device(config.device)   # an absent device fails before any file
    out_dirs = list(out_dirs) if out_dirs is not None else [None] * len(graphs)
    with contextlib.ExitStack() as env:
        runs: list[RunState] = []
        data = None
        for graph, out_dir in zip(graphs, out_dirs):
            # each run's setup_env seeds the init stream afresh: built as if alone
            out = env.enter_context(setup_env(config, out_dir, graph))
            if data is None:
                data = load_data(config, device)
                if config.patience and not len(data.y_val):
                    raise TopocliError("--patience needs validation images; raise "
                                       "--val-fraction or --max-train")
            model, dag, cx = setup_model(graph, config, data)
            model.to(device)   # initialised on the CPU, so the weights are the same everywhere
            ckpt = out / "checkpoint.pt" if out is not None and config.checkpoint else None
            run = RunState(graph, model, dag, cx, _make_optimizer(model, config), out, ckpt,
                           early=EarlyStopping(config.patience) if config.patience else None)
            run.resume(device)
            if out is not None:
                record_graph(out, graph, config)
            runs.append(run)
        if len({run.start for run in runs}) > 1:
            raise TopocliError("the runs of a stack stopped after different epochs; "
                               "train them one by one to resume each")
        net = combine([run.model for run in runs]) if combine is not None else runs[0].model
        for epoch in range(runs[0].start, config.epochs + 1):
            if runs[0].early is not None and runs[0].early.stopped:
                break
            t0 = time.perf_counter()
            rows = train_epoch(net, [run.optimizer for run in runs], data, config, epoch,
                               progress)
            elapsed = time.perf_counter() - t0
            scores = test_epoch(net, data.x_val, data.y_val)
            for run, row, (val_loss, val_acc) in zip(runs, rows, scores):
                run.train_time += elapsed
                run.images += row.pop("images")
                steps = row.pop("steps")
                run.curve.append({"epoch": epoch, **row, "val_loss": val_loss,
                                  "val_acc": val_acc,
                                  "lr": _lr_at(config, epoch - 1, config.epochs)})
                if run.early is not None:
                    run.early.update(epoch, val_acc, run.model)
                if run.checkpoint is not None:
                    run.save(epoch)
            row = runs[0].curve[-1]
            val = "" if row["val_acc"] is None else f" val_acc {row['val_acc']:.4f}"
            report(progress, f"epoch {epoch}/{config.epochs}", steps, steps,
                   f"train_loss {row['train_loss']:.4f} train_acc {row['train_acc']:.4f}{val}")
        for run in runs:   # early stopping: test the best validation epoch's weights
            if run.early is not None and run.early.best_model is not None:
                run.model.load_state_dict(run.early.best_model)
        tests = test_epoch(net, data.x_test, data.y_test)
        return [_finish(run, config, data, device, test, len(runs))
                for run, test in zip(runs, tests)]


def _finish(run: RunState, config: TrainConfig, data: Splits, device, test: tuple,
            stacked: int) -> dict:
    """The run's result dict, also written to its out dir (``result.json``, ``curve.csv``)."""
    (test_loss, test_acc), curve, cx = test, run.curve, run.cx
    result = {
        "test_acc": test_acc, "val_acc": curve[-1]["val_acc"], "test_loss": test_loss,
        "val_loss": curve[-1]["val_loss"], "params": cx["params"],
        "trainable_params": cx["trainable_params"], "macs": cx["macs"],
        "wall_time_s": run.train_time,
        "images_per_s": run.images / max(run.train_time, 1e-9),
        "epochs_run": len(curve),
        "dag": dict(run.dag.stats) if run.dag is not None else None,
        "model": {"stem_stride": cx["stem_stride"], "stem_strides": cx["stem_strides"],
                  "stage_strides": cx["stage_strides"], "head": config.head,
                  "dropped_reductions": cx["dropped_reductions"],
                  "final_size": cx["final_size"],
                  "input_shape": list(data.input_shape),
                  "num_classes": data.num_classes},
        "data": {"description": data.description, **data.sizes()},
        "graph": graph_info(run.graph) if not config.no_graph else None,
        "curve": curve, "config": config.to_dict(), "versions": versions(),
        "threads": torch.get_num_threads(), "device": str(device),
    }
    if run.early is not None:
        _report_early_stopping(result, run.early, curve, config)
    if config.measure_cost:
        from topocli.training.cost import measure_cost

        model = copy.deepcopy(run.model).cpu()   # a stacked run's BN buffers are views
        result["cost"] = measure_cost(model, data.input_shape, data.x_train.cpu())
    if stacked > 1:   # trained together with others (same seed); wall time is shared
        result["stacked_with"] = stacked - 1
    if run.out is not None:
        if run.dag is not None:   # what topocli export needs to rebuild the network
            write_text_atomic(run.out / "dag.json", json.dumps(dag_to_json(run.dag)))
        write_text_atomic(run.out / "result.json", json.dumps(result, indent=2))
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=CURVE_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(curve)
        write_text_atomic(run.out / "curve.csv", text.getvalue())
    return result


def _report_early_stopping(result: dict, early: EarlyStopping, curve: list,
                           config: TrainConfig) -> None:
    """Add ``best_epoch``, ``stopped_early`` (the run reached its plateau, possibly at
    the cap) and ``hit_cap`` (the cap ended it first) to ``result``, whose validation
    scores become the best epoch's (the epoch the test scores belong to)."""
    best = curve[early.best_epoch - 1]
    result.update(val_acc=best["val_acc"], val_loss=best["val_loss"],
                  best_epoch=early.best_epoch, stopped_early=early.stopped,
                  hit_cap=not early.stopped)
    if early.stopped and len(curve) < config.epochs:
        log.info("stopped after epoch %d: no better val_acc since epoch %d", len(curve),
                 early.best_epoch)


def train_graph(graph, config: TrainConfig, *, out_dir=None,
                progress: ProgressFn | None = None) -> dict:
    """Turn ``graph`` into a RandWire-style network, train it, return the result.

    Parameters
    ----------
    graph : igraph.Graph or None
        From :func:`topocli.graphs.load_graph` (or a null model); ``None`` or
        ``config.no_graph`` trains DCN's no-graph baseline (stem and classifier).
    config : TrainConfig
    out_dir : folder for ``config.json``, ``checkpoint.pt`` (resumed if present),
        ``result.json`` and ``curve.csv``; None keeps everything in memory.
    progress : ``progress(label, done, total, note)`` per training step and epoch
        (:mod:`topocli.progress`); the CLI passes its display. None: silent.

    Returns
    -------
    dict
        ``test_acc``, ``val_acc``, ``test_loss``, ``val_loss``, ``params``,
        ``trainable_params``, ``macs`` (per image), ``wall_time_s`` (training),
        ``images_per_s``, ``epochs_run``, ``dag`` (depth, max_width, n_inputs, n_outputs,
        edges_kept, ...), ``curve`` (per-epoch dicts), ``config``, ``versions``, ...
        With ``config.patience`` (early stopping, :class:`EarlyStopping`) also
        ``best_epoch``, ``stopped_early`` and ``hit_cap``; the test and validation
        scores are then those of the best validation epoch's weights.
    """
    if graph is None and not config.no_graph:
        config = config.replace(no_graph=True)
    return _train_runs([graph], config, out_dirs=[out_dir], progress=progress)[0]
