"""Statistics of a sweep that respect its design: graphs are the units, seeds are blocks.

Every graph of a sweep is trained with the same K seeds (:mod:`topocli.sweep.plan`), so a
run's accuracy is ``graph effect + seed effect + noise``: a seed that happens to train
well lifts every graph alike. The functions here therefore

* take the accuracy of a graph as its mean over seeds after removing the seed effects
  (:func:`seed_design`: an additive two-way fit, exact means for a complete design);
* compare families, and a real graph with its nulls, at the graph level with seed as a
  block: a permutation of whole graphs between the groups (the same relabelling in
  every seed block, i.e. a within-seed permutation) and, for a real graph, a sign-flip
  test of its per-seed differences; confidence intervals resample *graphs* (stratified
  by family), never runs;
* say aloud what the sweep can detect (:func:`power_summary`): seed noise against the
  spread of graph means, the smallest detectable difference and correlation, the
  ceiling;
* give a multivariable view (:func:`standardized_regression`) and the sweet spot on the
  clustering x path-length plane with its uncertainty (:func:`sweet_spot`).

Pure functions of plain tables; every random draw comes from ``seed`` through
:func:`topocli.seeding.as_rng`.

References
----------
Good (2005), Permutation, Parametric, and Bootstrap Tests of Hypotheses, ch. 3-4 (blocked
permutations). Davison & Hinkley (1997), Bootstrap Methods, ch. 3.8 (stratified and
hierarchical resampling: resample the top-level units). You, Leskovec, He & Xie (2020),
Graph Structure of Neural Networks, ICML (accuracy over the clustering x path-length
plane).
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from topocli.seeding import as_rng

__all__ = ["CEILING", "FLOOR", "SeedDesign", "family_comparisons", "family_table", "graph_accuracy",
           "power_summary", "rank_among", "real_vs_nulls", "seed_design",
           "standardized_regression", "sweet_spot"]

#: Accuracy from which a sweep is called "at the ceiling": graphs differ by a few test
#: images at most, and the differences between them are mostly seed noise.
CEILING = 0.97
#: Accuracy below which a sweep is called "at the floor": within 0.1 of chance for the
#: 10-class tasks topocli trains (digits, MNIST and its kin, CIFAR-10); the networks have
#: not learned enough for topology to show.
FLOOR = 0.2
_ALPHA, _POWER = 0.05, 0.80


@dataclass(frozen=True)
class SeedDesign:
    """Accuracy as a graphs x seeds matrix with its additive fit.

    ``values[g, s]`` is graph g's accuracy with seed s (NaN for a missing or failed run).
    ``graph_mean`` is the seed-adjusted graph accuracy (grand mean + graph effect),
    ``seed_effect`` each seed's effect, ``noise_sd`` the residual sd (seed noise of one
    run) with ``noise_dof`` degrees of freedom.
    """

    graph_ids: tuple[str, ...]
    families: tuple[str, ...]
    references: tuple[str, ...]
    seeds: tuple[int, ...]
    values: np.ndarray
    graph_mean: np.ndarray
    raw_mean: np.ndarray
    n_seeds: np.ndarray
    seed_effect: np.ndarray
    noise_sd: float
    noise_dof: int

    def index(self, graph_id: str) -> int:
        return self.graph_ids.index(graph_id)

    def members(self, family: str, reference: str | None = None) -> np.ndarray:
        fam = np.asarray(self.families) == family
        if reference is not None:
            fam &= np.asarray(self.references) == reference
        return np.flatnonzero(fam & np.isfinite(self.graph_mean))


def _additive_fit(values: np.ndarray, iterations: int = 50):
    """Grand mean, graph and seed effects of ``values`` (NaN = missing) by backfitting."""
    ok = np.isfinite(values)
    grand = float(np.nanmean(values))
    graph = np.zeros(values.shape[0])
    seed = np.zeros(values.shape[1])
    centred = np.where(ok, values - grand, 0.0)
    for _ in range(iterations if not ok.all() else 1):
        with np.errstate(invalid="ignore"):
            graph = np.where(ok.any(1), (centred - seed[None] * ok).sum(1)
                             / np.maximum(ok.sum(1), 1), np.nan)
            g0 = np.nan_to_num(graph)
            seed = (centred - g0[:, None] * ok).sum(0) / np.maximum(ok.sum(0), 1)
        seed -= seed.mean()
    if ok.all():  # exact two-way means for a complete design
        graph = values.mean(1) - grand
        seed = values.mean(0) - grand
    resid = np.where(ok, values - grand - np.nan_to_num(graph)[:, None] - seed[None], 0.0)
    rows = int((ok.sum(1) > 0).sum())
    cols = int((ok.sum(0) > 0).sum())
    dof = int(ok.sum()) - rows - cols + 1
    noise = float(np.sqrt((resid ** 2).sum() / dof)) if dof > 0 else math.nan
    return grand, graph, seed, noise, dof


def seed_design(runs: pd.DataFrame, *, metric: str = "test_acc") -> SeedDesign:
    """The graphs x seeds accuracy matrix of ``runs`` (successful runs only) and its fit.

    ``runs`` needs graph_id, family, ``metric`` and the seed's identity (``seed_index``,
    else ``seed``); ``reference`` (several real graphs) is used when present.
    """
    ok = runs[runs["status"].astype(str) == "ok"] if "status" in runs else runs
    ok = ok.assign(_y=pd.to_numeric(ok[metric], errors="coerce"))
    ok = ok[np.isfinite(ok["_y"])]
    seed_col = "seed_index" if "seed_index" in ok else "seed"
    graphs = list(pd.unique(ok["graph_id"].astype(str)))
    seeds = sorted(pd.unique(ok[seed_col]))
    values = np.full((len(graphs), len(seeds)), np.nan)
    gi = {g: i for i, g in enumerate(graphs)}
    si = {s: j for j, s in enumerate(seeds)}
    for g, s, y in zip(ok["graph_id"].astype(str), ok[seed_col], ok["_y"]):
        values[gi[g], si[s]] = y
    first = ok.drop_duplicates("graph_id").set_index(ok.drop_duplicates("graph_id")[
        "graph_id"].astype(str))
    families = tuple(str(first.loc[g, "family"]) for g in graphs)
    refs = tuple(str(first.loc[g, "reference"]) if "reference" in first else ""
                 for g in graphs)
    if not graphs:
        empty = np.zeros(0)
        return SeedDesign((), (), (), (), values, empty, empty, empty, empty, math.nan, 0)
    grand, graph, seed, noise, dof = _additive_fit(values)
    return SeedDesign(tuple(graphs), families, refs, tuple(int(s) for s in seeds), values,
                      grand + graph, np.nanmean(values, axis=1),
                      np.isfinite(values).sum(1), seed, noise, dof)


def graph_accuracy(design: SeedDesign) -> pd.DataFrame:
    """One row per graph: graph_id, family, reference, acc (seed-adjusted mean over
    seeds), acc_raw (plain mean), n_seeds."""
    return pd.DataFrame({"graph_id": design.graph_ids, "family": design.families,
                         "reference": design.references, "acc": design.graph_mean,
                         "acc_raw": design.raw_mean, "n_seeds": design.n_seeds})


def _bootstrap_mean_ci(values: np.ndarray, rng: np.random.Generator, n_boot: int,
                       ci: float = 0.95) -> tuple[float, float]:
    v = values[np.isfinite(values)]
    if len(v) < 2 or n_boot <= 0:
        return math.nan, math.nan
    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(1)
    lo, hi = np.quantile(means, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    return float(lo), float(hi)


def family_table(design: SeedDesign, *, n_boot: int = 2000, seed=0) -> pd.DataFrame:
    """Accuracy by family at the graph level: mean of the seed-adjusted graph means, the sd
    between graphs, and a 95% bootstrap CI resampling the family's graphs.

    Columns family, reference, n_graphs, n_runs, mean, sd_graphs, ci_low, ci_high;
    ``real`` first, then by mean descending.
    """
    rng = as_rng(seed)
    rows = []
    keys = list(dict.fromkeys(zip(design.families, design.references)))
    for family, ref in keys:
        idx = design.members(family, ref)
        vals = design.graph_mean[idx]
        lo, hi = _bootstrap_mean_ci(vals, rng, n_boot)
        rows.append({"family": family, "reference": ref, "n_graphs": len(idx),
                     "n_runs": int(design.n_seeds[idx].sum()),
                     "mean": float(vals.mean()) if len(vals) else math.nan,
                     "sd_graphs": float(vals.std(ddof=1)) if len(vals) > 1 else math.nan,
                     "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows, columns=["family", "reference", "n_graphs", "n_runs", "mean",
                                      "sd_graphs", "ci_low", "ci_high"])
    # per reference in the order met: its real graph first, then by mean descending
    ref_order = {r: i for i, r in enumerate(dict.fromkeys(design.references))}
    key = np.where(out["family"] == "real", np.inf, out["mean"].fillna(-np.inf))
    order = np.lexsort((-key, out["reference"].map(ref_order).to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def _group_permutation_p(a: np.ndarray, b: np.ndarray, rng: np.random.Generator,
                         n_perm: int) -> float:
    """Two-sided p of mean(a) - mean(b) under relabelling whole graphs between a and b
    (exact when there are at most ``n_perm`` relabellings)."""
    pooled = np.concatenate([a, b])
    observed = abs(a.mean() - b.mean())
    n, k = len(pooled), len(a)
    if math.comb(n, k) <= n_perm:
        splits = [np.array(c) for c in itertools.combinations(range(n), k)]
        masks = np.zeros((len(splits), n), bool)
        for row, c in enumerate(splits):
            masks[row, c] = True
        exact = True
    else:
        order = np.argsort(rng.random((n_perm, n)), axis=1)
        masks = np.zeros((n_perm, n), bool)
        np.put_along_axis(masks, order[:, :k], True, axis=1)
        exact = False
    diff = np.abs((masks * pooled).sum(1) / k - (~masks * pooled).sum(1) / (n - k))
    hits = int((diff >= observed - 1e-12).sum())
    return float(hits / len(masks)) if exact else float((1 + hits) / (1 + n_perm))


def family_comparisons(design: SeedDesign, *, reference: str | None = None,
                       n_perm: int = 2000, n_boot: int = 2000, seed=0) -> pd.DataFrame:
    """Every pair of null families (of one reference): the difference of their graph-level
    means with a stratified bootstrap CI over graphs and a graph-permutation p.

    Seeds are blocks: graph means are seed-adjusted, and a permutation moves whole graphs
    (all their seeds) between the two families. Columns family_a, family_b, n_a, n_b,
    diff, ci_low, ci_high, p.
    """
    rng = as_rng(seed)
    families = [f for f in dict.fromkeys(design.families) if f != "real"]
    rows = []
    for fa, fb in itertools.combinations(families, 2):
        a = design.graph_mean[design.members(fa, reference)]
        b = design.graph_mean[design.members(fb, reference)]
        if len(a) == 0 or len(b) == 0:
            continue
        lo = hi = math.nan
        if len(a) > 1 and len(b) > 1 and n_boot > 0:
            da = a[rng.integers(0, len(a), (n_boot, len(a)))].mean(1)
            db = b[rng.integers(0, len(b), (n_boot, len(b)))].mean(1)
            lo, hi = (float(v) for v in np.quantile(da - db, [0.025, 0.975]))
        p = _group_permutation_p(a, b, rng, n_perm) if len(a) + len(b) > 2 else math.nan
        rows.append({"family_a": fa, "family_b": fb, "n_a": len(a), "n_b": len(b),
                     "diff": float(a.mean() - b.mean()), "ci_low": lo, "ci_high": hi,
                     "p": p})
    return pd.DataFrame(rows, columns=["family_a", "family_b", "n_a", "n_b", "diff",
                                       "ci_low", "ci_high", "p"])


def _sign_flip_p(d: np.ndarray, rng: np.random.Generator, n_perm: int) -> float:
    """Two-sided sign-flip p of mean(d) over seeds (exact for up to 2^12 flips)."""
    d = d[np.isfinite(d)]
    k = len(d)
    if k == 0:
        return math.nan
    if 2 ** k <= max(n_perm, 4096):
        signs = np.array(list(itertools.product((1, -1), repeat=k)))
        return float(np.mean(np.abs(signs @ d) >= abs(d.sum()) - 1e-12))
    signs = rng.choice((1, -1), size=(n_perm, k))
    hits = int((np.abs(signs @ d) >= abs(d.sum()) - 1e-12).sum())
    return float((1 + hits) / (1 + n_perm))


def rank_among(value: float, others, *, higher_is_better: bool = True) -> tuple[int, int]:
    """Competition rank of ``value`` among ``others`` plus itself (1 = best): (rank, of)."""
    o = np.asarray(others, dtype=float)
    o = o[np.isfinite(o)]
    better = np.sum(o > value) if higher_is_better else np.sum(o < value)
    return int(better) + 1, len(o) + 1


def real_vs_nulls(design: SeedDesign, *, n_boot: int = 2000, n_perm: int = 2000,
                  seed=0) -> pd.DataFrame:
    """Each real graph against each null family of its own reference, paired by seed.

    For real graph r and family F with graphs g: per seed s the difference
    ``d_s = acc(r, s) - mean_g acc(g, s)`` (the seed effect cancels); ``diff`` is the
    mean of ``d_s``, its CI resamples F's graphs, ``p_sign`` is the sign-flip p over
    seeds (does r beat F's average in every seed?). Against F's spread of graphs: the
    rank of r's seed-adjusted mean among F's graph means plus r (1 = best), the
    empirical ``p_greater = (1 + #{g >= r}) / (1 + n)`` and ``z`` (difference over the
    sd of F's graph means).

    Columns reference, family, n_graphs, n_seeds, real_acc, family_mean, diff, ci_low,
    ci_high, p_sign, z, rank, of, p_greater.
    """
    from topocli.reports.stats import empirical_p

    rng = as_rng(seed)
    cols = ["reference", "family", "n_graphs", "n_seeds", "real_acc", "family_mean", "diff",
            "ci_low", "ci_high", "p_sign", "z", "rank", "of", "p_greater"]
    rows = []
    for ref in dict.fromkeys(design.references):
        reals = design.members("real", ref)
        if len(reals) == 0:
            continue
        r = reals[0]
        real_acc = float(design.graph_mean[r])
        for family in dict.fromkeys(design.families):
            if family == "real":
                continue
            idx = design.members(family, ref)
            if len(idx) == 0:
                continue
            block = design.values[idx]
            with warnings.catch_warnings():  # a seed no null graph ran is NaN on purpose
                warnings.simplefilter("ignore", RuntimeWarning)
                per_seed = np.nanmean(block, axis=0)
            d = design.values[r] - per_seed  # NaN where either side is missing
            lo = hi = math.nan
            if len(idx) > 1 and n_boot > 0:
                picks = rng.integers(0, len(idx), (n_boot, len(idx)))
                with warnings.catch_warnings():  # an all-missing seed is NaN on purpose
                    warnings.simplefilter("ignore", RuntimeWarning)
                    boot = np.nanmean(design.values[r][None] - np.nanmean(
                        block[picks], axis=1), axis=1)
                boot = boot[np.isfinite(boot)]
                if len(boot):
                    lo, hi = (float(v) for v in np.quantile(boot, [0.025, 0.975]))
            means = design.graph_mean[idx]
            sd = float(means.std(ddof=1)) if len(means) > 1 else math.nan
            diff = float(np.nanmean(d)) if np.isfinite(d).any() else math.nan
            rank, of = rank_among(real_acc, means)
            rows.append({"reference": ref, "family": family, "n_graphs": len(idx),
                         "n_seeds": int(np.isfinite(d).sum()), "real_acc": real_acc,
                         "family_mean": float(means.mean()), "diff": diff,
                         "ci_low": lo, "ci_high": hi,
                         "p_sign": _sign_flip_p(d, rng, n_perm),
                         "z": diff / sd if sd and np.isfinite(sd) and sd > 0 else math.nan,
                         "rank": rank, "of": of,
                         "p_greater": empirical_p(real_acc, means, sidedness="greater")})
    return pd.DataFrame(rows, columns=cols)


def power_summary(design: SeedDesign) -> dict:
    """What this sweep can detect, said in numbers.

    Returns a dict with ``seeds``, ``graphs``, ``noise_sd`` (seed noise of one run),
    ``noise_sd_of_mean`` (what seed noise alone gives a graph mean: noise_sd / sqrt(K)),
    ``graph_sd`` (pooled sd of graph means within null families), ``spread_ratio``
    (graph_sd / noise_sd_of_mean: about 1 when graphs differ by seed noise only),
    ``mdd_family`` (smallest difference between two families of the median size that a
    two-sided 5% test detects with 80% power, from graph_sd), ``mdd_real`` (the same for
    one real graph against a family: it must lie that far from the family mean),
    ``min_p_real`` (the smallest empirical p a real graph can reach with the family
    sizes here), ``min_rho`` (smallest detectable correlation over the graphs, Fisher z),
    ``mean_acc``, ``share_at_ceiling`` (graphs with accuracy >= :data:`CEILING`),
    ``at_ceiling`` (more than half the graphs are) and ``at_floor`` (more than half the
    graphs are below :data:`FLOOR`).
    """
    z = sps.norm.ppf(1 - _ALPHA / 2) + sps.norm.ppf(_POWER)
    nulls = [f for f in dict.fromkeys(design.families) if f != "real"]
    groups = [design.graph_mean[design.members(f, ref)]
              for f in nulls for ref in dict.fromkeys(design.references)]
    groups = [g for g in groups if len(g) > 0]
    ss = sum(float(((g - g.mean()) ** 2).sum()) for g in groups)
    dof = sum(len(g) - 1 for g in groups)
    graph_sd = math.sqrt(ss / dof) if dof > 0 else math.nan
    k = float(np.median(design.n_seeds)) if len(design.n_seeds) else math.nan
    noise_mean = design.noise_sd / math.sqrt(k) if k and np.isfinite(design.noise_sd) \
        else math.nan
    sizes = [len(g) for g in groups]
    n_family = float(np.median(sizes)) if sizes else math.nan
    finite = design.graph_mean[np.isfinite(design.graph_mean)]
    n_graphs = len(finite)
    mdd_family = z * graph_sd * math.sqrt(2 / n_family) if n_family else math.nan
    return {
        "seeds": int(k) if np.isfinite(k) else 0, "graphs": n_graphs,
        "noise_sd": design.noise_sd, "noise_sd_of_mean": noise_mean, "graph_sd": graph_sd,
        "spread_ratio": graph_sd / noise_mean if noise_mean and noise_mean > 0 else math.nan,
        "mdd_family": mdd_family,
        "mdd_real": z * graph_sd * math.sqrt(1 + 1 / n_family) if n_family else math.nan,
        "min_p_real": 1 / (1 + min(sizes)) if sizes else math.nan,
        "min_rho": math.tanh(z / math.sqrt(n_graphs - 3)) if n_graphs > 3 else math.nan,
        "mean_acc": float(finite.mean()) if n_graphs else math.nan,
        "share_at_ceiling": float((finite >= CEILING).mean()) if n_graphs else math.nan,
        "at_ceiling": bool(n_graphs and (finite >= CEILING).mean() > 0.5),
        "at_floor": bool(n_graphs and (finite < FLOOR).mean() > 0.5),
    }


def standardized_regression(table: pd.DataFrame, candidates: list[str], *,
                            outcome: str = "acc", controls: tuple[str, ...] = (),
                            max_terms: int | None = None, collinear: float = 0.8,
                            n_boot: int = 2000, seed=0) -> tuple[pd.DataFrame, dict]:
    """Which statistics carry information beyond the others: a least-squares fit of the
    standardised outcome on standardised statistics (and controls), with bootstrap CIs
    resampling graphs.

    ``candidates`` are taken in order (strongest first), skipping one whose |Pearson r|
    with an already chosen term exceeds ``collinear``, up to ``max_terms`` (default:
    one term per 5 graphs beyond the controls, at most 5). Returns the table (term,
    beta, ci_low, ci_high, is_control) and a dict (n, r2, r2_adj, terms).
    """
    rng = as_rng(seed)
    data = table[[*candidates, *controls, outcome]].apply(pd.to_numeric, errors="coerce")
    usable_controls = [c for c in controls if c in data and data[c].nunique() > 1]
    n = int(data[[outcome, *usable_controls]].dropna().shape[0])
    limit = max_terms if max_terms is not None else max(0, min(5, n // 5 - len(usable_controls)))
    chosen: list[str] = []
    for c in candidates:
        if len(chosen) >= limit:
            break
        if c in usable_controls or data[c].nunique() < 2 or data[c].notna().sum() < 0.8 * n:
            continue
        if any(abs(data[c].corr(data[o])) > collinear for o in chosen + usable_controls):
            continue
        chosen.append(c)
    terms = chosen + usable_controls
    empty = pd.DataFrame(columns=["term", "beta", "ci_low", "ci_high", "is_control"])
    frame = data[terms + [outcome]].dropna()
    if not chosen or len(frame) < len(terms) + 3:
        return empty, {"n": len(frame), "r2": math.nan, "r2_adj": math.nan, "terms": terms}
    zs = (frame - frame.mean()) / frame.std(ddof=1)
    x = np.column_stack([np.ones(len(zs)), zs[terms].to_numpy(float)])
    y = zs[outcome].to_numpy(float)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    r2 = 1 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    p = len(terms)
    r2_adj = 1 - (1 - r2) * (len(y) - 1) / (len(y) - p - 1)
    boots = []
    raw = frame.to_numpy(float)
    for _ in range(n_boot):
        pick = raw[rng.integers(0, len(raw), len(raw))]
        sd = pick.std(0, ddof=1)
        if (sd == 0).any():
            continue
        zb = (pick - pick.mean(0)) / sd
        xb = np.column_stack([np.ones(len(zb)), zb[:, :-1]])
        boots.append(np.linalg.lstsq(xb, zb[:, -1], rcond=None)[0])
    boots = np.array(boots) if boots else np.full((1, p + 1), np.nan)
    lo, hi = np.nanquantile(boots, [0.025, 0.975], axis=0) if len(boots) > 10 else \
        (np.full(p + 1, np.nan), np.full(p + 1, np.nan))
    out = pd.DataFrame({"term": terms, "beta": beta[1:], "ci_low": lo[1:], "ci_high": hi[1:],
                        "is_control": [t in usable_controls for t in terms]})
    return out, {"n": len(y), "r2": r2, "r2_adj": r2_adj, "terms": terms}


def sweet_spot(table: pd.DataFrame, x: str, y: str, *, outcome: str = "acc",
               n_boot: int = 1000, grid: int = 41, seed=0) -> dict:
    """Where accuracy peaks on the (x, y) plane (clustering, path length), with a CI.

    A quadratic surface ``acc ~ 1 + x + y + x^2 + y^2 + xy`` is fitted by least squares
    over the graphs; its maximum over the box the graphs span is the sweet spot. The
    bootstrap (resampling graphs) gives percentile intervals of its coordinates and the
    share of resamples whose maximum lies on the edge of the box (then the data show a
    direction, not a spot). Needs 10 or more graphs.

    Returns a dict: n, x, y, acc (at the spot), x_low, x_high, y_low, y_high,
    share_on_edge, r2, and ``interior`` (the fitted surface is concave and its maximum
    lies inside the box).
    """
    data = table[[x, y, outcome]].apply(pd.to_numeric, errors="coerce").dropna()
    n = len(data)
    if n < 10 or data[x].nunique() < 3 or data[y].nunique() < 3:
        return {"n": n}
    rng = as_rng(seed)
    pts = data.to_numpy(float)
    lo, hi = pts[:, :2].min(0), pts[:, :2].max(0)
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid))

    def fit(sample: np.ndarray):
        u = (sample[:, 0] - lo[0]) / (hi[0] - lo[0])
        v = (sample[:, 1] - lo[1]) / (hi[1] - lo[1])
        design = np.column_stack([np.ones(len(u)), u, v, u * u, v * v, u * v])
        coef, *_ = np.linalg.lstsq(design, sample[:, 2], rcond=None)
        gu = (gx - lo[0]) / (hi[0] - lo[0])
        gv = (gy - lo[1]) / (hi[1] - lo[1])
        surface = (coef[0] + coef[1] * gu + coef[2] * gv + coef[3] * gu ** 2
                   + coef[4] * gv ** 2 + coef[5] * gu * gv)
        fitted = design @ coef
        concave = coef[3] < 0 and coef[4] < 0 and 4 * coef[3] * coef[4] > coef[5] ** 2
        if concave:  # the stationary point of the surface, if it lies inside the box
            hessian = np.array([[2 * coef[3], coef[5]], [coef[5], 2 * coef[4]]])
            su, sv = np.linalg.solve(hessian, -coef[1:3])
            if 0 <= su <= 1 and 0 <= sv <= 1:
                value = (coef[0] + coef[1] * su + coef[2] * sv + coef[3] * su ** 2
                         + coef[4] * sv ** 2 + coef[5] * su * sv)
                return (lo[0] + su * (hi[0] - lo[0]), lo[1] + sv * (hi[1] - lo[1]), value,
                        False, True, fitted)
        i, j = np.unravel_index(np.argmax(surface), surface.shape)
        edge = i in (0, grid - 1) or j in (0, grid - 1)
        return gx[i, j], gy[i, j], surface[i, j], edge, concave, fitted

    bx, by, bacc, edge, concave, fitted = fit(pts)
    ss = float(((pts[:, 2] - pts[:, 2].mean()) ** 2).sum())
    r2 = 1 - float(((pts[:, 2] - fitted) ** 2).sum()) / ss if ss > 0 else math.nan
    spots, edges = [], 0
    for _ in range(n_boot):
        sample = pts[rng.integers(0, n, n)]
        if np.ptp(sample[:, 0]) == 0 or np.ptp(sample[:, 1]) == 0:
            continue
        sx, sy, _, sedge, _, _ = fit(sample)
        spots.append((sx, sy))
        edges += bool(sedge)
    spots_arr = np.array(spots) if spots else np.full((1, 2), np.nan)
    qx = np.quantile(spots_arr[:, 0], [0.025, 0.975])
    qy = np.quantile(spots_arr[:, 1], [0.025, 0.975])
    return {"n": n, "x": float(bx), "y": float(by), "acc": float(bacc),
            "x_low": float(qx[0]), "x_high": float(qx[1]), "y_low": float(qy[0]),
            "y_high": float(qy[1]), "share_on_edge": edges / max(1, len(spots)),
            "r2": r2, "interior": bool(concave and not edge)}
