"""Learning-rate decay, per epoch (the course's week 2)."""

from __future__ import annotations

from hpsearch.nn.hyperparams import HyperParams


def learning_rate(hp: HyperParams, epoch: int) -> float:
    """α for an epoch counted from 0, so the first epoch trains with α0 under every schedule.

    inverse_time: α0/(1 + decay·epoch); exponential: α0·decay^epoch;
    staircase: α0·decay^⌊epoch/decay_every⌋."""
    alpha0, decay = hp.learning_rate, hp.learning_rate_decay
    match hp.decay_schedule:
        case "none":
            return alpha0
        case "inverse_time":
            return alpha0 / (1.0 + decay * epoch)
        case "exponential":
            return alpha0 * decay**epoch
        case "staircase":
            return alpha0 * decay ** (epoch // hp.decay_every)
    raise ValueError(f"unknown decay_schedule {hp.decay_schedule!r}")
