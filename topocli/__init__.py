"""topocli: is a network wired like a real nervous system better than a randomly wired one?

Load connectomes (:mod:`topocli.graphs`), draw matched null models
(:mod:`topocli.nullmodels`), measure topology against them (:mod:`topocli.metrics`),
train one shared RandWire-style network per graph (:mod:`topocli.training`,
:mod:`topocli.sweep`) and report (:mod:`topocli.reports`).
"""

__version__ = "0.1.0"
