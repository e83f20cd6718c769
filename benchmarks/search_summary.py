"""The markdown summary of `search_efficiency.py`: what was run, four tables, and a verdict on each
claim, computed from the seed-by-seed counts so that a claim the data does not bear out is said
not to hold."""

from __future__ import annotations

import statistics

from search_figures import (
    CLAIMS,
    GOOD_FACTOR,
    SCALES,
    SIGNIFICANCE,
    Figures,
    Measured,
    Settings,
    higher,
    lower,
    paired,
    spread,
    verdict,
)

from hpsearch.nn import HyperParams
from hpsearch.search.sampler import grid_shape
from hpsearch.search.space import SearchSpace

PICKED = {
    "grid": "grid 5×5",
    "random": "random",
    "zoom": "15 random + 10 zoomed",
    "zoom_before": "15 random + 10 zoomed, the rule before",
    "tpe": "TPE",
}
MAIN = "grid, random, zoom, TPE, α log"  # the label of the space the main searches share


def summary(measured: Measured, settings: Settings, seconds: float) -> str:
    """The whole markdown summary, as printed and written."""
    figures = Figures(measured)
    sections = [
        _header(measured, settings, seconds),
        _search_table(figures),
        _scale_table(figures),
        _zoom_table(figures, settings.spaces[MAIN]),
        _claims(figures),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _header(measured: Measured, settings: Settings, seconds: float) -> list[str]:
    return [
        "## Search efficiency: grid or random, the scale, zoom, TPE",
        "",
        f"`{settings.command}`: {measured.trained:,} distinct trials trained in {seconds:.0f} s "
        f"with {settings.workers} workers.",
        "",
        _setup(measured, settings),
        "",
        *(f"- {name}: {_describe(space)}" for name, space in settings.spaces.items()),
        f"- the grid's points: {_grid(settings.spaces[MAIN])}",
    ]


def _setup(measured: Measured, settings: Settings) -> str:
    hp, n = HyperParams(), len(measured.seeds)
    sizes = "; ".join(
        f"{d}: train {a:,} / dev {b:,} / test {c:,}" for d, (a, b, c) in measured.sizes.items()
    )
    seeds = f"Seeds 0 to {n - 1}" if n > 1 else "Seed 0"
    return (
        f"Every trial is hpsearch's own trial function (`run_trial`): {hp.layers} hidden layers, "
        f"{hp.activation}, batch norm, {hp.optimizer} (momentum in the β rows), mini-batches of "
        f"{hp.batch_size}, {settings.epochs} epochs, trained on train and ranked on dev. {sizes}. "
        f"{seeds}: a seed sets the data split, the sampling and the training seeds. Figures are "
        f"medians over the {n} seed{'s' * (n > 1)} with the interquartile range in brackets; "
        "the counts compare two searches seed by seed."
    )


def _search_table(figures: Figures) -> list[str]:
    rows = [
        "### The same budget, 25 trials: grid, random, zoom, TPE",
        "",
        "The pick is the trial the product ranks first (by dev error); its test error is "
        "measured once, after the search.",
        "",
        "| dataset | search | best dev error | test error of the pick "
        "| best dev error against random's: lower / same / higher |",
        "|---|---|---|---|---|",
    ]
    for d in figures.m.datasets:
        random = figures.best(d, "random")
        for name, label in PICKED.items():
            best = figures.best(d, name)
            against = "" if name == "random" else _counts(paired(best, random, lower))
            tests = spread(figures.tests(d, name))
            rows.append(f"| {d} | {label} | {spread(best)} | {tests} | {against} |")
    return rows


def _scale_table(figures: Figures) -> list[str]:
    rows = [
        "### Scales: α on a log or a linear scale, β on the log scale of 1 − β or a linear one",
        "",
        "Both arms of a pair draw the same random numbers, mapped through their own scale, and "
        "train with the same seeds. A trial is in the good region if its dev error is within "
        f"{GOOD_FACTOR}× of the best dev error either arm reached (for that dataset and seed), or "
        "within one dev example of it where that is looser.",
        "",
        "| dataset | hyperparameter | scale | trials in the good region "
        "| their values, all seeds | best dev error "
        "| good trials against the linear scale: more / same / fewer |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in figures.m.datasets:
        for pair, (symbol, _, digits, (log, log_label), (linear, linear_label)) in SCALES.items():
            shares = {n: figures.shares(d, pair, n) for n in (log, linear)}
            against = _counts(paired(shares[log], shares[linear], higher))
            for name, label in ((log, log_label), (linear, linear_label)):
                values = _range(figures.good_values(d, pair, name), digits)
                cells = [
                    d,
                    symbol,
                    label,
                    spread(shares[name]),
                    values,
                    spread(figures.best(d, name)),
                ]
                rows.append("| " + " | ".join(cells) + f" | {against if name == log else ''} |")
    return rows


def _zoom_table(figures: Figures, space: SearchSpace) -> list[str]:
    rows = [
        "### A zoom round against the first round",
        "",
        "The zoomed search's first round is 15 random trials; its zoom round, 10 trials in the "
        "space `hpsearch zoom` narrows to around the best 3 of them: by the product's rule (a "
        "bound moves in only when enough of the round's trials lie beyond it, none among its "
        "best) or by the rule before it (every bound the span of the best moves, ± half of it).",
        "",
        "| dataset | zoom | first round's best dev error | zoom round's best dev error "
        "| zoom round against first round: lower / same / higher | seeds whose zoom narrowed: "
        + ", ".join(space.searched)
        + " | share of the first space searched (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in figures.m.datasets:
        for search, label, evidence in (
            ("zoom", "on evidence", True),
            ("zoom_before", "before", False),
        ):
            first, zoomed = figures.rounds(d, search)
            counts = _counts(paired(zoomed, first, lower))
            zooms = figures.zooms(d, space, evidence)
            narrowed = ", ".join(
                str(sum(z.rows[i].narrowed for z in zooms)) for i in range(len(space.searched))
            )
            share = statistics.median(z.volume_of_first for z in zooms)
            rows.append(
                f"| {d} | {label} | {spread(first)} | {spread(zoomed)} | {counts} | {narrowed} "
                f"| {share:.0%} |"
            )
    return rows


def _claims(figures: Figures) -> list[str]:
    datasets = figures.m.datasets
    rows = [
        "### The claims, seed by seed",
        "",
        "A claim holds on a dataset if it is borne out in more seeds than it is contradicted and "
        "a two-sided sign test over the seeds without a tie gives p < "
        f"{SIGNIFICANCE}; it does not hold if the opposite is shown that way; otherwise it is "
        "not shown.",
        "",
        "| claim | " + " | ".join(datasets) + " |",
        "|---|" + "---|" * len(datasets),
    ]
    for claim, counts in CLAIMS.items():
        cells = " | ".join(verdict(counts(figures, d)) for d in datasets)
        rows.append(f"| {claim} | {cells} |")
    return rows


def _counts(counts: tuple[int, int, int]) -> str:
    return " / ".join(map(str, counts))


def _range(values: list[float], digits: int) -> str:
    return f"{min(values):.{digits}g} to {max(values):.{digits}g}" if values else "—"


def _describe(space: SearchSpace) -> str:
    searched = ", ".join(
        f"{name} on a {d.scale} scale from {d.describe()}" for name, d in space.searched.items()
    )
    fixed = ", ".join(f"{name} {value}" for name, value in space.fixed.items())
    return f"{searched}; fixed: {fixed}"


def _grid(space: SearchSpace) -> str:
    """The values a 25-trial grid tries, by hyperparameter, as the product's sampler makes it."""
    shape = grid_shape(space, 25)
    return "; ".join(
        f"{name} " + ", ".join(f"{v:.3g}" for v in space.searched[name].grid(k))
        for name, k in shape.items()
    )
