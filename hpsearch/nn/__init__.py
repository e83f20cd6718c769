"""The NumPy network every trial trains. Imports nothing else of hpsearch."""

from hpsearch.nn.hyperparams import HyperParams
from hpsearch.nn.network import Network
from hpsearch.nn.training import TrainResult, train

__all__ = ["HyperParams", "Network", "TrainResult", "train"]
