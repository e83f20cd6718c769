"""Learning-rate decay, per epoch (the course's week 2), and the cosine schedule of the
tabular-network recipes (Loshchilov & Hutter's SGDR without restarts)."""

from __future__ import annotations

import math

from hpsearch.nn.hyperparams import HyperParams


def learning_rate(hp: HyperParams, epoch: int) -> float:
    """α for an epoch counted from 0, so the first epoch trains with α0 under every schedule
    but a cosine's warm-up.

    inverse_time: α0/(1 + decay·epoch); exponential: α0·decay^epoch;
    staircase: α0·decay^⌊epoch/decay_every⌋; cosine: `cosine(hp, epoch)`."""
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
        case "cosine":
            return alpha0 * cosine(hp.epochs, hp.warmup_epochs, epoch)
    raise ValueError(f"unknown decay_schedule {hp.decay_schedule!r}")


def cosine(epochs: int, warmup: int, epoch: int) -> float:
    """α/α0 at `epoch` (from 0) of `epochs`: during the first `warmup` epochs (epoch + 1)/(warmup
    + 1), rising linearly towards 1; then (1 + cos(π·t/T))/2 with t = epoch − warmup and
    T = epochs − warmup, from 1 down to just above 0 in the last epoch. PyTorch's
    SequentialLR of LinearLR(start_factor=1/(warmup + 1), total_iters=warmup) and
    CosineAnnealingLR(T_max=T), stepped per epoch (tests/nn/test_torch_parity.py).

    The schedule is that of the full `epochs`: a trial paused at a halving rung has trained
    the first epochs of it, and goes on where it stopped."""
    if epoch < warmup:
        return (epoch + 1) / (warmup + 1)
    return (1.0 + math.cos(math.pi * (epoch - warmup) / (epochs - warmup))) / 2.0
