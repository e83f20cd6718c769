"""Does a schedule pay? Plain random search, synchronous successive halving, Hyperband and the
asynchronous schedule (`schedule: asha`) at equal budgets in epochs, beside Optuna's pruners with
random and TPE sampling on the same network.

For each problem, seed and budget (1× and 3× the epochs of 27 full trials): every search gets the
same budget in epochs. hpsearch's searches run through `run_study` as `hpsearch run` would, with
`search.budget` and each schedule's defaults (first rung about epochs / 9, η = 2), on one
in-process worker, so that the order of their results and their anytime traces are those of one
worker. Optuna's SuccessiveHalvingPruner and HyperbandPruner, with RandomSampler and TPESampler,
drive the same network epoch by epoch on the same rungs until the budget is spent. Then each
search runs on the first problem twice more on two workers (seed 0, the 1× budget): the same
table twice, and as on one worker, or not. Outcomes are kept search by search (`--runs`), so a
rerun takes up where one stopped. Run from the repository root (`pip install -e
".[bench]"`): `python benchmarks/halving.py [--quick] [--seeds N] [--jobs N] [--output FILE]`."""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from halving_optuna import OPTUNA_VARIANTS, optuna_search, optuna_twice
from halving_outcome import Outcome
from halving_problems import CACHE, PROBLEMS, data_section

from hpsearch.config import parse_config
from hpsearch.data import load_dataset
from hpsearch.nn import Network
from hpsearch.search.ranking import rank
from hpsearch.study.recording import Observer
from hpsearch.study.run import Execution, run_study
from hpsearch.trial import TrialRecord, TrialState

SCHEDULES = ("plain", "halving", "hyperband", "asha")
OLD_DEFAULTS = "asha 1/3"  # the asynchronous schedule with the old defaults: first rung 1, η = 3
EPOCHS, FULL_TRIALS = 27, 27  # a full trial's epochs; the budget is a multiple of 27 of them
SPACE = """\
  learning_rate: {distribution: log_uniform, low: 1e-5, high: 1}
  beta1: {distribution: one_minus_log_uniform, low: 0.8, high: 0.999}
  hidden_units: {distribution: int_uniform, low: 16, high: 128}
  layers: {distribution: int_uniform, low: 1, high: 3}
  batch_size: {distribution: choice, choices: [32, 64, 128, 256]}
  keep_prob: {distribution: uniform, low: 0.5, high: 1.0}
  l2: {distribution: log_uniform, low: 1e-6, high: 1e-1}
"""
STUDY = """\
name: %(name)s
data: %(data)s
hyperparameters:
%(space)s  epochs: %(epochs)d
  keep_best_epoch: false  # each trial's last epoch, as Optuna's pruned trials report theirs
search: {budget: %(budget)d, seed: %(seed)d, schedule: %(schedule)s, workers: %(workers)d,
         keep_models: 1%(rungs)s}
"""


class Trace(Observer):
    """The epochs a run has trained and the best full-budget dev error so far, as each result
    of training comes in (a stop trains nothing)."""

    def __init__(self, full: int) -> None:
        self.full, self.start = full, time.perf_counter()
        self.reached: dict[int, int] = {}
        self.epochs, self.best, self.points = 0, math.inf, []

    def paused(self, record: TrialRecord) -> None:
        self._trained(record)

    def finished(self, record: TrialRecord) -> None:
        if record.state is not TrialState.STOPPED:
            self._trained(record)

    def _trained(self, record: TrialRecord) -> None:
        self.epochs += record.epochs - self.reached.get(record.number, 0)
        self.reached[record.number] = record.epochs
        if record.state is TrialState.COMPLETE and record.epochs == self.full:
            self.best = min(self.best, record.dev_error)
        self.points.append((time.perf_counter() - self.start, self.epochs, self.best))


def hpsearch_search(
    problem: str, seed: int, schedule: str, budget: int, folder: Path, *, quick: bool,
    workers: int = 1,
) -> Outcome:  # fmt: skip
    section = data_section(problem, quick)
    rungs = ", min_epochs: 1, eta: 3" if schedule == OLD_DEFAULTS else ""
    text = STUDY % dict(
        name=problem, data=section, space=SPACE, epochs=_epochs(quick), budget=budget,
        seed=seed, schedule=schedule.split()[0], workers=workers, rungs=rungs,
    )  # fmt: skip
    config = parse_config(text, f"{problem}.yaml")
    trace = Trace(_epochs(quick))
    start = time.perf_counter()
    run = run_study(config, folder, Execution.of(config.search), observer=trace)
    wall = time.perf_counter() - start
    best = rank(run.records)[0]
    dataset = load_dataset(config.data)
    network = Network.load(run.snapshot.weights_path(best.number))
    table = [[r.number, str(r.state), r.epochs, r.dev_error, r.message] for r in run.records]
    used = run.utilisation.share if run.utilisation else None
    epochs = sum(r.epochs for r in run.records)
    return Outcome(
        best.dev_error, network.error(dataset.X_test, dataset.y_test), len(run.records), epochs,
        wall, trace.points, table, used,
    )  # fmt: skip


def _epochs(quick: bool) -> int:
    return 9 if quick else EPOCHS


def budgets(quick: bool) -> dict[str, int]:
    """1× and 3× the epochs of 27 full trials (--quick: 1× of 9 full trials of 9 epochs)."""
    if quick:
        return {"1×": 9 * 9}
    return {"1×": FULL_TRIALS * EPOCHS, "3×": 3 * FULL_TRIALS * EPOCHS}


def one_seed(task: tuple[str, int, bool, tuple[str, ...], Path]) -> dict[str, dict]:
    """Every search of one problem and seed at every budget: {"budget strategy": outcome}, kept
    in `kept` search by search, so that a rerun takes up the searches already there."""
    problem, seed, quick, variants, kept = task
    found = {} if quick else _read(kept)
    with tempfile.TemporaryDirectory() as tmp:
        for label, budget in budgets(quick).items():
            for schedule in (*SCHEDULES, *([] if quick else [OLD_DEFAULTS])):
                if f"{label} {schedule}" not in found:
                    folder = Path(tmp) / f"{label}-{schedule}"
                    outcome = hpsearch_search(problem, seed, schedule, budget, folder, quick=quick)
                    _keep(kept, found, f"{label} {schedule}", outcome.as_dict())
            for variant in variants:
                if f"{label} {variant}" not in found:
                    outcome = optuna_search(
                        variant, seed, budget, data_section(problem, quick), _epochs(quick)
                    )
                    _keep(kept, found, f"{label} {variant}", outcome.as_dict())
    return found


def reproducibility(
    problem: str, quick: bool, variants: tuple[str, ...], kept: Path, one: dict[str, Outcome]
) -> list:
    """Each search twice on two workers (seed 0, the first budget): the same table twice, and
    as on one worker (`one`: seed 0's outcomes)? Kept search by search in `kept`, as `one_seed`
    keeps its outcomes."""
    label, budget = next(iter(budgets(quick).items()))
    found = {} if quick else _read(kept)
    with tempfile.TemporaryDirectory() as tmp:
        for schedule in SCHEDULES:
            if schedule in found:
                continue
            runs = [
                hpsearch_search(
                    problem, 0, schedule, budget, Path(tmp) / f"{schedule}-{i}", quick=quick,
                    workers=2,
                )
                for i in range(2)
            ]  # fmt: skip
            line = {
                "search": schedule,
                "same": runs[0].table == runs[1].table,
                "as one worker": runs[0].table == one[f"{label} {schedule}"].table,
                "busy": [r.utilisation for r in runs],
                "seconds": [r.wall_s for r in runs],
            }
            _keep(kept, found, schedule, line)
        for variant in variants:
            if variant not in found:
                same = optuna_twice(
                    variant, 0, budget, data_section(problem, quick), _epochs(quick)
                )
                _keep(kept, found, variant, {"search": variant, "same": same})
    return [found[name] for name in (*SCHEDULES, *variants)]


def _keep(kept: Path, found: dict, key: str, outcome: dict) -> None:
    """One more search's outcome, written at once: an interrupted run loses only the search
    it was in."""
    found[key] = outcome
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps(found))


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small problem, one seed")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=PROBLEMS)
    parser.add_argument("--jobs", type=int, default=1, help="seeds searched at once")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--figure", type=Path, help="the anytime curves as a PNG")
    parser.add_argument("--runs", type=Path, default=CACHE / "runs", help="kept outcomes")
    parser.add_argument(
        "--report", action="store_true", help="summarise the kept outcomes; run nothing more"
    )
    args = parser.parse_args(argv)
    from halving_report import report  # matplotlib only once everything has run

    quick = args.quick
    seeds, problems = (1, ["spirals"]) if quick else (args.seeds, args.problems)
    variants = OPTUNA_VARIANTS[:1] if quick else OPTUNA_VARIANTS
    command = " ".join(["python benchmarks/halving.py", *_settings(argv)])
    tasks = [(p, s, quick, variants) for s in range(seeds) for p in problems]  # seed by seed
    start = time.perf_counter()
    if args.report:  # what has run so far: the seeds every problem has whole
        tasks = [
            t for t in tasks if _searches(quick, variants) <= set(_read(_kept(args.runs, t, quick)))
        ]
        done = {s for s in range(seeds) if all((p, s, quick, variants) in tasks for p in problems)}
        tasks = [t for t in tasks if t[1] in done]
    repro_file = args.runs / f"{'quick-' if quick else ''}reproducibility-{problems[0]}.json"
    if args.report:
        outcomes = {(t[0], t[1]): _outcomes(_read(_kept(args.runs, t, quick))) for t in tasks}
        kept = _read(repro_file)
        repro = {problems[0]: [kept[n] for n in (*SCHEDULES, *variants) if n in kept]}
    else:  # then twice more on two workers, seed 0 of the first problem
        outcomes = _run(tasks, args.runs, args.jobs, quick)
        one = outcomes[problems[0], 0]
        repro = {problems[0]: reproducibility(problems[0], quick, variants, repro_file, one)}
    text = report(
        outcomes, repro, budgets(quick), command, time.perf_counter() - start, args.jobs,
        None if quick else args.figure,
    )  # fmt: skip
    print(text, end="")
    if args.output:
        args.output.write_text(text)
    return text


def _settings(argv: list[str] | None) -> list[str]:
    """The command line's arguments that decide what the report holds (not where it goes)."""
    given, kept = list(sys.argv[1:] if argv is None else argv), []
    while given:
        argument = given.pop(0)
        if argument in ("--output", "--figure", "--runs"):
            given = given[1:]
        elif not argument.startswith(("--output=", "--figure=", "--runs=")):
            kept.append(argument)
    return kept


def _run(tasks, runs: Path, jobs: int, quick: bool) -> dict[tuple[str, int], dict[str, Outcome]]:
    """Every task's outcomes, kept in `runs` as they come (a rerun takes up the ones there)."""
    todo = [(*t, _kept(runs, t, quick)) for t in tasks]
    found = {}
    with ProcessPoolExecutor(jobs) as pool:
        for task, outcomes in zip(todo, pool.map(one_seed, todo), strict=True):
            found[task[0], task[1]] = _outcomes(outcomes)
            print(f"{task[0]} seed {task[1]} done", file=sys.stderr, flush=True)
    return found


def _searches(quick: bool, variants: tuple[str, ...]) -> set[str]:
    """The keys of one problem and seed's outcomes once every search has run."""
    schedules = (*SCHEDULES, *([] if quick else [OLD_DEFAULTS]), *variants)
    return {f"{label} {name}" for label in budgets(quick) for name in schedules}


def _read(kept: Path) -> dict:
    return json.loads(kept.read_text()) if kept.exists() else {}


def _outcomes(found: dict) -> dict[str, Outcome]:
    return {key: Outcome.of(value) for key, value in found.items()}


def _kept(runs: Path, task: tuple, quick: bool) -> Path:
    return runs / f"{'quick-' if quick else ''}{task[0]}-{task[1]}.json"


if __name__ == "__main__":
    main()
