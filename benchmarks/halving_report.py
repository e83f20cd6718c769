"""The summary `benchmarks/halving.py` writes: per problem and budget, each search's pick and
cost, how fast it reached plain random search's median best, sign tests against plain random
search, the same-result-twice checks, and a figure of the anytime curves."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
from halving_optuna import OPTUNA_VARIANTS
from halving_outcome import Outcome
from halving_problems import DESCRIBED
from search_figures import paired, sign_test, verdict

SEARCHES = ("plain", "halving", "hyperband", "asha", "asha 1/3", *OPTUNA_VARIANTS)
NAMES = {
    "plain": "plain random",
    "halving": "successive halving",
    "hyperband": "Hyperband",
    "asha": "asha (asynchronous)",
    "asha 1/3": "asha, first rung 1, η 3",
    **{v: f"Optuna {v.replace('+', ', ')}" for v in OPTUNA_VARIANTS},
}


def report(
    outcomes: dict[tuple[str, int], dict[str, Outcome]],
    repro: dict[str, list[dict]],
    budgets: dict[str, int],
    command: str,
    seconds: float,
    jobs: int,
    figure: Path | None,
) -> str:
    problems = list(dict.fromkeys(problem for problem, _ in outcomes))
    seeds = sorted({seed for _, seed in outcomes})
    searched = sum(o.wall_s for runs in outcomes.values() for o in runs.values())
    lines = [
        f"`{command}`: {len(seeds)} seed{'s' * (len(seeds) != 1)} per problem, "
        f"{len(problems)} problems, budgets "
        + ", ".join(f"{label} = {epochs:,} epochs" for label, epochs in budgets.items())
        + f"; the searches took {searched / 60:.0f} minutes, one at a time"
        + (f" ({jobs} at once: {seconds / 60:.0f} minutes)." if jobs > 1 else "."),
        "",
    ]
    lines += [f"- {problem}: {DESCRIBED[problem]}" for problem in problems]
    lines += ["", *_summary(outcomes, problems, seeds, budgets), "", *_table_head()]
    claims = []
    for problem in problems:
        for label, budget in budgets.items():
            runs = {
                search: [outcomes[problem, seed][f"{label} {search}"] for seed in seeds]
                for search in SEARCHES
                if f"{label} {search}" in outcomes[problem, seeds[0]]
            }
            lines += _rows(problem, label, budget, runs)
            claims += _claims(problem, label, budget, runs)
    lines += ["", *claims, *_pooled(outcomes, problems, seeds, budgets)]
    lines += ["", "Same result twice, and as on one worker?", ""]
    for problem, checks in repro.items():
        lines += [f"- {problem}, {_check(check)}" for check in checks]
    if figure is not None:
        _figure(outcomes, problems, seeds, budgets, figure)
        lines += ["", f"Anytime curves: `{figure}`."]
    return "\n".join(lines) + "\n"


def _summary(outcomes, problems, seeds, budgets) -> list[str]:
    """The README's table: each search's median best dev error within the budget and, in
    parentheses, the median epochs at which it first reached plain random's median best (–
    when it did so in fewer than half the seeds); then asha against plain seed by seed."""
    first = outcomes[problems[0], seeds[0]]
    ran = [s for s in SEARCHES if f"{next(iter(budgets))} {s}" in first]  # --quick: fewer
    hpsearch = [s for s in ran if s not in OPTUNA_VARIANTS]
    variants = [s for s in ran if s in OPTUNA_VARIANTS]
    names = " | ".join(NAMES[s] for s in hpsearch)
    lines = [
        f"| problem | budget | {names} | Optuna's best variant | asha below plain (lower / same "
        "/ higher; p) | asha at plain's median best within half the budget |",
        "|---|---|" + "---|" * (len(hpsearch) + 3),
    ]
    for problem in problems:
        for label, budget in budgets.items():
            runs = {
                search: [outcomes[problem, seed][f"{label} {search}"] for seed in seeds]
                for search in ran
            }
            best = {s: [r.best_within(budget) for r in found] for s, found in runs.items()}
            target = statistics.median(best["plain"])
            cells = {s: _cell(runs[s], best[s], target) for s in runs}
            optuna = min(variants, key=lambda v: statistics.median(best[v]))
            wins, ties, losses = paired(best["asha"], best["plain"], lambda a, b: a < b)
            half = sum(
                (hit := r.to(target)) is not None and hit[0] <= budget / 2 for r in runs["asha"]
            )
            ours = " | ".join(cells[s] for s in hpsearch)
            lines.append(
                f"| {problem} | {label} | {ours} | {cells[optuna]}, "
                f"{optuna.replace('+', ' + ')} | {wins} / {ties} / {losses}; "
                f"{sign_test(wins, losses):.2g} | {half} of {len(seeds)} |"
            )
    return lines


def _cell(runs: list[Outcome], best: list[float], target: float) -> str:
    """Median best, and the median epochs to `target` when at least half the seeds reach it."""
    reached = [hit[0] for run in runs if (hit := run.to(target)) is not None]
    to = f"{statistics.median(reached):,.0f}" if 2 * len(reached) >= len(runs) else "–"
    return f"{statistics.median(best):.4f} ({to})"


def _table_head() -> list[str]:
    return [
        "| problem | budget | search | configurations | epochs | best dev error within the "
        "budget (median, quartiles) | test error of the pick | against plain: lower / same / "
        "higher (sign test) | epochs to plain's median best (median; reached in; within half "
        "the budget in) | wall s | wall s to plain's median best |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]


def _rows(problem: str, label: str, budget: int, runs: dict[str, list[Outcome]]) -> list[str]:
    plain = [run.best_within(budget) for run in runs["plain"]]
    target = statistics.median(plain)
    rows = []
    for search, outcomes in runs.items():
        best = [run.best_within(budget) for run in outcomes]
        reached = [hit for run in outcomes if (hit := run.to(target)) is not None]
        half = sum(epochs <= budget / 2 for epochs, _ in reached)
        to = (
            f"{statistics.median(e for e, _ in reached):,.0f}; {len(reached)} of "
            f"{len(outcomes)}; {half}"
            if reached
            else f"–; 0 of {len(outcomes)}; 0"
        )
        wall_to = f"{statistics.median(s for _, s in reached):.1f}" if reached else "–"
        against = "" if search == "plain" else verdict(paired(best, plain, lambda a, b: a < b))
        rows.append(
            f"| {problem} | {label} | {NAMES[search]} | "
            f"{statistics.median(r.configurations for r in outcomes):.0f} | "
            f"{statistics.median(r.epochs for r in outcomes):,.0f} | {_spread(best)} | "
            f"{statistics.median(r.pick_test for r in outcomes):.4f} | {against} | {to} | "
            f"{statistics.median(r.wall_s for r in outcomes):.1f} | {wall_to} |"
        )
    return rows


def _claims(problem: str, label: str, budget: int, runs: dict[str, list[Outcome]]) -> list[str]:
    plain = [run.best_within(budget) for run in runs["plain"]]
    target = statistics.median(plain)
    claims = []
    for search in (s for s in ("asha", "asha 1/3", "halving", "hyperband") if s in runs):
        best = [run.best_within(budget) for run in runs[search]]
        counts = paired(best, plain, lambda a, b: a < b)
        half = sum(
            (hit := run.to(target)) is not None and hit[0] <= budget / 2 for run in runs[search]
        )
        claims.append(
            f"- {problem}, {label}: {NAMES[search]}'s best dev error below plain random's at "
            f"equal epochs: {verdict(counts)}; plain's median best reached within half the "
            f"budget in {half} of {len(best)} seeds"
        )
    if "asha 1/3" in runs:
        ours, old = ([run.best_within(budget) for run in runs[s]] for s in ("asha", "asha 1/3"))
        claims.append(
            f"- {problem}, {label}: asha's defaults (first rung about epochs / 9, η 2) below "
            f"first rung 1, η 3: {verdict(paired(ours, old, lambda a, b: a < b))}"
        )
    return claims


def _pooled(outcomes, problems, seeds, budgets) -> list[str]:
    """Each schedule against plain random over every problem, budget and seed at once. The
    cells share their seeds' luck, so this is a summary, not independent evidence."""
    lines = []
    for search in ("asha", "asha 1/3", "halving", "hyperband"):
        counts = [0, 0, 0]
        for problem in problems:
            for label, budget in budgets.items():
                key = f"{label} {search}"
                if key not in outcomes[problem, seeds[0]]:
                    continue
                ours = [outcomes[problem, s][key].best_within(budget) for s in seeds]
                plain = [outcomes[problem, s][f"{label} plain"].best_within(budget) for s in seeds]
                for i, n in enumerate(paired(ours, plain, lambda a, b: a < b)):
                    counts[i] += n
        if sum(counts):
            lines.append(
                f"- every problem, budget and seed at once: {NAMES[search]}'s best dev error "
                f"below plain random's: {verdict(tuple(counts))}"
            )
    return lines


def _spread(values: list[float]) -> str:
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return f"{median:.4f} ({q1:.4f}–{q3:.4f})"


def _check(check: dict) -> str:
    search = check["search"]
    if search in OPTUNA_VARIANTS:
        return f"Optuna {search}, 2 workers, twice: {'same' if check['same'] else 'different'}"
    busy = " and ".join(f"{b:.0%}" for b in check["busy"])
    seconds = " and ".join(f"{s:.0f} s" for s in check["seconds"])
    alone = "the same as on one worker" if check["as one worker"] else "NOT as on one worker"
    return (
        f"hpsearch {search}, 2 workers, twice: {'same' if check['same'] else 'DIFFERENT'}, "
        f"{alone} (workers busy {busy}; {seconds})"
    )


def _quantile(curves: np.ndarray, q: float) -> np.ndarray:
    """The `q`-th percentile of each column, NaN where no seed has found a full trial yet."""
    found = ~np.isnan(curves).all(axis=0)
    out = np.full(curves.shape[1], np.nan)
    out[found] = np.nanpercentile(curves[:, found], q, axis=0)
    return out


def _figure(outcomes, problems, seeds, budgets, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    label, budget = list(budgets.items())[-1]
    grid = np.linspace(budget / 100, budget, 100)
    figure, axes = plt.subplots(
        len(problems), 2, figsize=(11, 3.2 * len(problems)), squeeze=False, sharex=True
    )
    groups = (("plain", "halving", "hyperband", "asha"), ("plain", "asha", *OPTUNA_VARIANTS))
    for row, problem in enumerate(problems):
        for column, group in enumerate(groups):
            ax = axes[row][column]
            lows = []
            for search in group:
                curves = np.array(
                    [
                        [outcomes[problem, s][f"{label} {search}"].best_within(e) for e in grid]
                        for s in seeds
                    ]
                )
                curves[~np.isfinite(curves)] = np.nan
                q1, median, q3 = (_quantile(curves, q) for q in (25, 50, 75))
                median[np.isnan(curves).sum(axis=0) * 2 >= len(seeds)] = np.nan
                color = f"C{SEARCHES.index(search)}"  # one colour per search in every panel
                ax.plot(grid, median, label=NAMES[search], color=color)
                ax.fill_between(grid, q1, q3, alpha=0.15, color=color)
                lows.append(np.nanmin(median) if np.isfinite(median).any() else np.nan)
            plain_end = np.nanmedian([outcomes[problem, s][f"{label} plain"].best_within(budget)
                                      for s in seeds])  # fmt: skip
            ax.axhline(plain_end, color="grey", linewidth=0.8, linestyle=":")
            ax.set_title(f"{problem}: {'hpsearch' if column == 0 else 'Optuna'}", fontsize=10)
            ax.set_ylabel("best dev error so far")
            top = np.nanmax([plain_end * 1.6, *(x * 1.6 for x in lows if np.isfinite(x))])
            ax.set_ylim(np.nanmin(lows) * 0.9, top)
            ax.legend(fontsize=7)
            if row == len(problems) - 1:
                ax.set_xlabel(f"epochs trained (budget {label}: {budget:,})")
    figure.suptitle(
        "best full-budget dev error against epochs spent: medians over "
        f"{len(seeds)} seeds, quartiles shaded; dotted: plain random's median at the budget",
        fontsize=10,
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
