"""Issue 24 item 4: synaptic operations and the energy estimate of both reservoirs."""

from __future__ import annotations

import numpy as np
import pytest
from test_reservoir import _tiny_graph

from topocli.reservoir import ReservoirConfig, score_reservoir
from topocli.reservoir.energy import PJ_PER_ACCUMULATE, PJ_PER_MAC, synaptic_cost
from topocli.reservoir.spiking import LIFParameters


def test_synaptic_cost_by_hand():
    matrix = np.array([[0.0, 0.5, 0.0], [0.2, 0.0, 0.0], [0.0, -1.0, 0.3]])
    esn = synaptic_cost("esn", matrix, 8)
    assert esn["synaptic_ops"] == 4 * 8 and esn["op"] == "multiply-accumulate"
    assert esn["energy_pj_estimate"] == pytest.approx(32 * 4.6)
    lif = synaptic_cost("lif", matrix, 1, events_per_sample=10.0)
    assert lif["synaptic_ops"] == 10.0 and lif["energy_pj_estimate"] == pytest.approx(9.0)
    assert (PJ_PER_ACCUMULATE, PJ_PER_MAC) == (0.9, 4.6)


@pytest.mark.parametrize("neuron", ["esn", "lif"])
def test_reservoirs_report_synaptic_ops_and_energy(neuron):
    g = _tiny_graph()
    config = ReservoirConfig(tasks=("memory-capacity",), neuron=neuron, steps=300,
                             washout=50, max_delay=5, lif=LIFParameters(max_delay=2))
    result = score_reservoir(g, config)
    ops = result["synaptic_ops_per_sample"]["memory-capacity"]
    energy = result["energy_pj_per_sample_estimate"]["memory-capacity"]
    if neuron == "esn":   # every synapse once per input step
        assert ops == g.ecount()
        assert energy == pytest.approx(ops * PJ_PER_MAC)
    else:                 # one accumulate per synaptic event
        assert ops == result["synaptic_events_per_sample"]["memory-capacity"] > 0
        assert energy == pytest.approx(ops * PJ_PER_ACCUMULATE)
    assert "estimate" in result["energy_model"]
