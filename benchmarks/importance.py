"""The importance estimate of `hpsearch show` against the random forest it replaced.

    python benchmarks/importance.py STUDY [STUDY ...]   # each a study folder
    python benchmarks/importance.py --quick             # a synthetic study of 200 trials

For each study: both estimates' shares side by side, their largest difference, and the time
each took. The forest is the one `show` used before (scikit-learn, 200 trees, partial
dependence on a 32-value grid over 256 background trials), kept here only to compare with."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(ROOT / "benchmarks"))

from hpsearch.search.importance import importance  # noqa: E402
from hpsearch.search.ranking import searched_distributions  # noqa: E402
from hpsearch.study.snapshot import read_snapshot  # noqa: E402
from hpsearch.trial import TrialState  # noqa: E402

TREES, GRID, BACKGROUND = 200, 32, 256


def forest_shares(X: np.ndarray, y: np.ndarray, seed: int = 0) -> np.ndarray:
    """The main-effect shares of the random forest `show` used before this estimate."""
    from sklearn.ensemble import RandomForestRegressor

    forest = RandomForestRegressor(n_estimators=TREES, min_samples_leaf=2, random_state=seed)
    forest.fit(X, y)
    rng = np.random.default_rng(seed)
    background = X if len(X) <= BACKGROUND else X[rng.choice(len(X), BACKGROUND, replace=False)]
    total = float(np.var(forest.predict(X)))
    shares = []
    for j in range(X.shape[1]):
        values = X[:, j]
        grid = np.sort(values)[np.linspace(0, len(values) - 1, min(GRID, len(values))).astype(int)]
        rows = np.repeat(background[None, :, :], len(grid), axis=0)
        rows[:, :, j] = grid[:, None]
        means = forest.predict(rows.reshape(-1, X.shape[1])).reshape(len(grid), -1).mean(1)
        shares.append(float(np.var(means)))
    shares = np.array(shares) / total
    return shares / shares.sum() if shares.sum() > 1 else shares


def compare(folder: Path) -> list[str]:
    """Markdown rows: the study, each parameter's two shares, and the two times."""
    snapshot = read_snapshot(folder)
    distributions = searched_distributions(snapshot.spaces)
    start = time.perf_counter()
    binned = dict(importance(snapshot.records, distributions).shares)
    binned_s = time.perf_counter() - start
    complete = [
        r for r in snapshot.records
        if r.state is TrialState.COMPLETE and r.dev_error is not None and np.isfinite(r.dev_error)
    ]  # fmt: skip
    X = np.array([[d.to_unit(r.params[n]) for n, d in distributions.items()] for r in complete])
    y = np.array([r.dev_error for r in complete])
    start = time.perf_counter()
    forest = dict(zip(distributions, forest_shares(X, y), strict=True))
    forest_s = time.perf_counter() - start
    rows = [
        f"| {folder.name} ({len(complete):,} complete) | {name} | {forest[name]:.1%} | "
        f"{binned.get(name, 0.0):.1%} | {binned.get(name, 0.0) - forest[name]:+.1%} |"
        for name in sorted(distributions, key=lambda n: -forest[n])
    ]
    rows.append(f"| {folder.name} | time | {forest_s:.2f} s | {binned_s:.3f} s | |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", nargs="*", type=Path, help="study folders")
    parser.add_argument("--quick", action="store_true", help="a synthetic study of 200 trials")
    args = parser.parse_args()
    lines = [
        "| study | hyperparameter | forest (before) | binned additive (now) | difference |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        studies = list(args.studies)
        if args.quick or not studies:
            from scale import build_study

            studies.append(build_study(Path(tmp), 200))
        for folder in studies:
            lines += compare(folder)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
