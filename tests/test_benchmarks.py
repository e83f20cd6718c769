"""The search-efficiency benchmark: its verdict rule, and a smoke run as CI runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from search_figures import CLAIMS, paired, sign_test, verdict  # noqa: E402
from search_summary import PICKED  # noqa: E402

VERDICT = (
    r"(holds|not shown|does not hold: the opposite holds) "
    r"\(better in \d+, the same in \d+, worse in \d+ of 1; p = [0-9.e-]+\)"
)


def test_sign_test_matches_the_binomial_tail():
    assert sign_test(18, 1) == pytest.approx(2 * (1 + 19) / 2**19)
    assert sign_test(5, 5) == 1.0
    assert sign_test(0, 0) == 1.0
    assert sign_test(0, 6) == pytest.approx(2 / 2**6)


def test_a_claim_holds_only_when_the_seeds_show_it():
    assert verdict((9, 1, 0)).startswith("holds (better in 9, the same in 1, worse in 0 of 10;")
    assert verdict((0, 2, 8)).startswith("does not hold: the opposite holds")
    assert (
        verdict((6, 5, 9)) == "not shown (better in 6, the same in 5, worse in 9 of 20; p = 0.61)"
    )


def test_paired_counts_better_same_worse():
    assert paired([0.1, 0.2, 0.3], [0.2, 0.2, 0.1], lambda a, b: a < b) == (1, 1, 1)


@pytest.mark.slow
def test_quick_run_writes_every_table(tmp_path):
    output = tmp_path / "summary.md"
    run = quick_run("search_efficiency.py", 120, "--output", str(output))
    text = output.read_text()
    assert run.stdout == text
    assert "`python benchmarks/search_efficiency.py --quick`: 340 distinct trials trained" in text
    for dataset in ("digits", "breast_cancer"):
        for label in PICKED.values():
            assert re.search(rf"^\| {dataset} \| {re.escape(label)} \| \d+\.\d% \(", text, re.M)
        for symbol, scale in (
            ("α", "log"),
            ("α", "linear"),
            ("β", "log of 1 − β"),
            ("β", "linear"),
        ):
            assert re.search(rf"^\| {dataset} \| {symbol} \| {scale} \| \d+\.\d% \(", text, re.M)
        for zoom in ("on evidence", "before"):
            counts = r"\| \d / \d / \d \| \d+, \d+ \| \d+% \|$"  # seed by seed; narrowed; share
            assert re.search(rf"^\| {dataset} \| {zoom} \| \d+\.\d% \(.*{counts}", text, re.M)
    for claim in CLAIMS:
        row = re.search(rf"^\| {re.escape(claim)} \| (.*) \| (.*) \|$", text, re.M)
        assert row is not None, claim
        assert all(re.fullmatch(VERDICT, cell) for cell in row.groups()), row.group(0)


def quick_run(script: str, timeout: int, *more: str) -> subprocess.CompletedProcess:
    """`python benchmarks/SCRIPT --quick MORE...`, which must succeed."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick", *more],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run


@pytest.mark.slow
def test_the_scale_benchmark_quick_run_prints_its_table():
    run = quick_run("scale.py", timeout=240)
    assert run.stdout.startswith("`python benchmarks/scale.py --quick` (fresh process per")
    for command in ("show", "show --format csv", "show --all (first screen)", "best", "plot"):
        assert re.search(
            rf"^\| `{re.escape(command)}` \| \d+\.\d\d s \| \d+\.\d\d s \| ×", run.stdout, re.M
        )
    assert re.search(r"^\| hpsearch's cost per recorded trial \| \d+\.\d\d ms \|", run.stdout, re.M)
    assert re.search(r"^\| store size per trial \| \d+\.\d KiB \|", run.stdout, re.M)


@pytest.mark.slow
def test_the_importance_comparison_quick_run_compares_both_estimates():
    run = quick_run("importance.py", timeout=120)
    share = r"(\d+\.\d)%"
    row = rf"^\| scale \(194 complete\) \| learning_rate \| {share} \| {share} \| [+-]\d+\.\d% \|$"
    found = re.search(row, run.stdout, re.M)
    assert found and float(found.group(1)) > 50 and float(found.group(2)) > 50


@pytest.mark.slow
def test_the_predict_benchmark_reports_speed_and_memory_of_both_passes():
    run = quick_run("predict.py", timeout=120)
    lines = run.stdout.splitlines()
    assert lines[0] == "`python benchmarks/predict.py --quick`"
    assert lines[1].startswith("file        20,000 rows × 50 numeric columns + label, ")
    for line, name in zip(lines[3:5], ("parse only", "predict"), strict=True):
        assert re.fullmatch(rf"{name} +\d+\.\d\d s, [\d,]+ rows/s, peak RSS \+[\d,]+ MiB", line)
    assert re.fullmatch(r"predict / parse time: \d+\.\d\d", lines[-1])


@pytest.mark.slow
def test_the_load_benchmark_compares_a_mixed_file_with_a_numeric_one():
    run = quick_run("load_csv.py", timeout=120)
    lines = run.stdout.splitlines()
    assert lines[0].startswith("numeric: numeric.csv: 20,000 rows × 50 features, 5 classes")
    mixed = r"mixed: mixed.csv: 20,000 rows × 50 feature columns \(1\d\d inputs\)"
    assert re.match(mixed, lines[5])
    assert re.fullmatch(
        r"mixed / numeric load time: \d+\.\d\d× \(aim: within 2×\); CPU time \d+\.\d\d×", lines[-1]
    )

@pytest.mark.slow
def test_quick_halving_benchmark_compares_every_search_and_checks_reproducibility(tmp_path):
    output = tmp_path / "halving.md"
    run = quick_run("halving.py", 300, "--output", str(output))
    text = output.read_text()
    assert run.stdout == text
    for search in (
        "plain random", "successive halving", "Hyperband", "asha (asynchronous)",
        "Optuna halving, random",
    ):  # fmt: skip
        assert re.search(
            rf"^\| spirals \| 1× \| {re.escape(search)} \| \d+ \| [\d,]+ \| \d\.\d{{4}} \(",
            text,
            re.M,
        ), search
    cell = r"\d\.\d{4} \((\d+|–)\)"
    assert re.search(
        rf"^\| spirals \| 1× \| {cell} \| {cell} \| {cell} \| {cell} \| {cell}, halving \+ random "
        r"\| \d / \d / \d; [0-9.e-]+ \| \d of 1 \|$",
        text,
        re.M,
    ), "the summary table"
    for schedule in ("plain", "halving", "hyperband", "asha"):
        assert re.search(
            rf"^- spirals, hpsearch {schedule}, 2 workers, twice: same, the same as on one worker "
            r"\(workers busy \d+% and \d+%; \d+ s and \d+ s\)$",
            text,
            re.M,
        ), schedule
    assert re.search(
        r"^- spirals, Optuna halving\+random, 2 workers, twice: (same|different)$", text, re.M
    )
    assert re.search(
        rf"asha \(asynchronous\)'s best dev error below plain random's at equal epochs: {VERDICT}",
        text,
    )


def test_quick_continuation_overhead_runs(tmp_path):
    run = quick_run("continuation_overhead.py", 120)
    assert re.fullmatch(
        r"digits, 9 epochs, rungs \[1, 3, 9\], best of 1: straight \d+\.\d{3}s, rung by rung "
        r"\d+\.\d{3}s, overhead [+-]\d+\.\d%\n",
        run.stdout,
    )


@pytest.mark.slow
def test_the_real_data_quick_run_sets_both_recipes_beside_the_baselines():
    run = quick_run("real_data.py", timeout=300)
    lines = run.stdout.splitlines()
    assert lines[0] == "`python benchmarks/real_data.py --quick`: lower is better in every " + (
        "column of figures"
    )
    value = r"(\d+\.\d\d)"
    row = (
        rf"^\| diabetes \(scikit-learn\) \| 442 × 11 \| regression, RMSE \| 2 × 3 \| {value} "
        rf"\| {value} \| \d / \d / \d \| {value} \| {value} \(ridge\) \| {value} \| {value} \| "
        r"\d+\.\d \| \d+\.\d \| \d+\.\d \|$"
    )
    found = re.search(row, run.stdout, re.M)
    assert found, run.stdout
    # the diabetes target's spread is 77: every model here does better than a constant guess
    assert all(30 < float(value) < 77 for value in found.groups())
    claim = "the strong space's pick has a lower test metric than the course's"
    assert re.search(rf"^\| {claim} \| (holds|not shown|does not hold)", run.stdout, re.M)
