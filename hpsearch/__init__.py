"""hpsearch: random, log-scaled, coarse-to-fine hyperparameter search for NumPy neural networks."""

__version__ = "0.1.0"
