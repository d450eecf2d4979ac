"""Graph -> DAG -> RandWire-style network -> trained accuracy (``topocli train``)."""

from topocli.training.config import TrainConfig
from topocli.training.dag import DAG_METHODS, Dag, build_dag
from topocli.training.data import DATASETS, load_dataset
from topocli.training.train import train_graph

__all__ = ["DAG_METHODS", "DATASETS", "Dag", "TrainConfig", "build_dag", "load_dataset",
           "train_graph"]
