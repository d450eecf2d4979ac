"""Planning a study: the planned power must be what simulated sweeps of that design show."""

from __future__ import annotations

import numpy as np
import pytest

from topocli.reports import inference as inf
from topocli.reports.power import NoiseEstimate, cheapest_designs, design_power, design_se
from topocli.reports.sweep_simulation import Planted, simulate_design


def _simulated_power(planted: Planted, sims: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(sims):
        design = simulate_design(planted, rng)
        hits += inf.compare_real(design, "null0").p < inf.ALPHA
    return hits / sims


@pytest.mark.parametrize("tau, sigma, difference", [(0.01, 0.02, 0.035), (0.0, 0.03, 0.05)])
def test_the_planned_design_has_the_planned_power_in_simulated_sweeps(tau, sigma,
                                                                      difference):
    noise = NoiseEstimate(sigma, 100, tau, 50, 3, 20)
    plans = {p.seeds: p for p in cheapest_designs(noise, difference, power=0.8)}
    plan = plans[5]
    assert plan.nulls is not None and plan.power >= 0.8
    # one null graph fewer falls short: the planner returns the fewest
    if plan.nulls > inf.MIN_GRAPHS_Z:
        assert design_power(noise, plan.nulls - 1, 5, difference) < 0.8
    simulated = _simulated_power(Planted(graphs=plan.nulls, seeds=5, families=1, tau=tau,
                                         sigma=sigma, seed_sd=0.02, delta=difference),
                                 sims=1500, seed=4)
    assert simulated == pytest.approx(plan.power, abs=0.04)


def test_power_is_defined_far_in_the_tail():
    noise = NoiseEstimate(0.0289, 108, 0.0, 36, 3, 55)
    assert design_power(noise, 5, 1000, 0.01) == pytest.approx(1.0)
    plans = cheapest_designs(noise, 0.01, seeds=(1000,))
    assert plans[0].nulls == inf.MIN_GRAPHS_Z and plans[0].power == pytest.approx(1.0)


def test_the_real_graphs_noise_is_a_floor_that_nulls_cannot_lower():
    noise = NoiseEstimate(0.03, 100, 0.0, 50, 3, 20)
    few = cheapest_designs(noise, 0.005, seeds=(3, 10))
    assert all(p.nulls is None and p.runs is None for p in few)
    se, _ = design_se(noise, 1000, 3)
    assert se > 0.03 / np.sqrt(3)


def test_plan_on_a_sweep_folder(run_cli, tmp_path):
    from test_reports_data import make_sweep_folder

    folder = make_sweep_folder(tmp_path / "pilot", count=4, seeds=3, failed_run=False,
                               graph_files=False, curves=False)
    result = run_cli("plan", str(folder), "--difference", "0.01", "--jobs", "2",
                     "--nulls", "10", "--seeds", "5")
    assert result.exit_code == 0, result.output
    assert "against its 'degree' nulls" in result.output and "(asked)" in result.output
    assert "| seeds | null graphs | runs |" in result.output
    for bad in (["--difference", "0"], ["--power", "1.5"], ["--nulls", "5"]):
        out = run_cli("plan", str(folder), *bad)
        assert out.exit_code == 2 and "Traceback" not in out.output, out.output
    empty = run_cli("plan", str(tmp_path / "nothing"))
    assert empty.exit_code == 2 and "does not exist" in empty.output
