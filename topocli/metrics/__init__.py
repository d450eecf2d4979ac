"""Topology statistics: pure functions ``f(graph, *, ...) -> float | dict``, one module per
family. A graph against a null ensemble (:func:`analyze`) and the fast flat summary
(:func:`graph_statistics`) live in :mod:`topocli.analysis`, which builds on this package
(never the other way round).

igraph computes (in C); networkx is the reference the tests compare with. Conventions that
published tables differ on are in the names (``clustering_avg_zero`` vs
``clustering_avg_nan`` vs ``transitivity``) and in the ``note`` column of every result.
"""

from topocli.metrics.basic import components, degree_summary, density, reciprocity
from topocli.metrics.clustering import (
                                        clustering_avg_nan,
                                        clustering_avg_zero,
                                        clustering_directed,
                                        local_clustering_directed,
                                        transitivity,
)
from topocli.metrics.homophily import (
                                        class_assortativity,
                                        class_matrix,
                                        degree_assortativities,
                                        degree_assortativity,
                                        homophily_fraction,
)
from topocli.metrics.modularity import class_modularity, leiden_modularity
from topocli.metrics.motifs import (
                                        motifs3_directed,
                                        motifs3_undirected,
                                        motifs4_undirected,
                                        significance_profile,
)
from topocli.metrics.nulls import empirical_p, normal_p, nulls_for_holm, summarise, zscore
from topocli.metrics.paths import diameter, distance_summary, global_efficiency, path_length
from topocli.metrics.richclub import rich_club
from topocli.metrics.smallworld import omega, propensity, sigma, small_world

__all__ = ["class_assortativity", "class_matrix",
           "class_modularity", "clustering_avg_nan", "clustering_avg_zero",
           "clustering_directed", "components", "degree_assortativities",
           "degree_assortativity", "degree_summary", "density", "diameter",
           "distance_summary", "empirical_p", "global_efficiency",
           "homophily_fraction", "leiden_modularity", "local_clustering_directed",
           "motifs3_directed", "motifs3_undirected", "motifs4_undirected", "normal_p",
           "nulls_for_holm", "omega",
           "path_length", "propensity", "reciprocity", "rich_club", "sigma",
           "significance_profile", "small_world", "summarise", "transitivity", "zscore"]
