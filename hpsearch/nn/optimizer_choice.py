"""The update rule a training steps with: the one `hp.optimizer` names, from the NumPy engine's
rules (`optimizers`) or the numba engine's fused subclasses of them (`fused`). Kept apart from
both, so that neither imports the other back."""

from __future__ import annotations

from hpsearch.nn.engine import resolve
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.nn.optimizers import Adam, AdamW, GradientDescent, Momentum, Optimizer, RMSprop

NUMPY_OPTIMIZERS: dict[str, type] = {
    "gd": GradientDescent,
    "momentum": Momentum,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}


def make_optimizer(
    hp: HyperParams, engine: str | None = None, weights: int | None = None
) -> Optimizer:
    """The update rule that `hp.optimizer` names, with its β's and ε, for `engine` ("numpy" or
    "numba"; None: this process's engine). `weights`: how many leading entries of the flat
    parameter vector are weights, which AdamW's decay shrinks (None: all of them)."""
    if resolve(engine) == "numba":
        from hpsearch.nn.fused import OPTIMIZERS as classes
    else:
        classes = NUMPY_OPTIMIZERS
    match hp.optimizer:
        case "gd":
            return classes["gd"]()
        case "momentum":
            return classes["momentum"](hp.beta1)
        case "rmsprop":
            return classes["rmsprop"](hp.beta2, hp.epsilon)
        case "adam":
            return classes["adam"](hp.beta1, hp.beta2, hp.epsilon)
        case "adamw":
            return classes["adamw"](hp.beta1, hp.beta2, hp.epsilon, hp.weight_decay, weights)
    raise ValueError(f"unknown optimizer {hp.optimizer!r}")
