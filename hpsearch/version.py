"""The version of hpsearch, in a leaf of its own: the store, the model file and the Dask workers
name it without loading the package's face (`hpsearch/__init__.py`, whose `load_model` reaches
up to `study`)."""

__version__ = "0.1.0"
