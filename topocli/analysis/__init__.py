"""Analyses: a graph's statistics against null ensembles, one job per module.

=============  ==================================================================
module         job
=============  ==================================================================
``plan``       budgets: what is computed exactly, estimated or skipped, and why
``measure``    the statistics of one graph (the same code for graph and nulls)
``ensemble``   drawing and measuring the null and lattice ensembles
``fidelity``   what each null family held, measured on the drawn graphs
``notes``      the convention of every row and why a value is undefined
``tables``     the tables (typed rows of ``records``) and the small-world indices
``run``        :func:`analyze`, the recipe that calls the steps above in order
``folder``     the ``--out`` folder and the ``--json`` document
=============  ==================================================================

Statistics themselves are pure functions in :mod:`topocli.metrics`.
"""

from topocli.analysis.folder import check_out_dir, tables, to_json, write_analyses
from topocli.analysis.measure import graph_statistics
from topocli.analysis.plan import Limits
from topocli.analysis.run import Analysis, analyze

__all__ = ["Analysis", "Limits", "analyze", "check_out_dir",
           "graph_statistics", "tables", "to_json", "write_analyses"]
