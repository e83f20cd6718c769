"""A CSV file as it is, through the command line: `init` writes a study `check` takes for each
real file; the chosen model predicts on raw rows (text, gaps, unseen levels) as `best --test`
scores them, in Python and in ONNX; every bad input is one message, exit 2, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import hpsearch
from hpsearch.cli.app import app
from hpsearch.data import DataSpec

runner = CliRunner()
FILES = Path(__file__).resolve().parents[1] / "files"
REAL = [
    ("penguins", "species"),
    ("titanic", "Survived"),
    ("titanic_classes", "survived"),
    ("caravan", "Purchase"),
    ("diamonds", "cut"),
]


def cli(*args):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.mark.parametrize(("name", "target"), REAL, ids=[name for name, _ in REAL])
def test_init_writes_a_study_that_check_takes_as_it_is(tmp_path, name, target) -> None:
    study = tmp_path / f"{name}.yaml"
    made = cli("init", FILES / f"{name}.csv", "--target", target, "-o", study,
               "--runs-dir", tmp_path / "runs")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith(f"wrote {study}: study {name}\n")
    checked = cli("check", study)
    assert checked.exit_code == 0, checked.output
    assert not (tmp_path / "runs").exists()


def test_init_says_the_task_and_leaves_out_ids_and_names_with_the_reason(tmp_path) -> None:
    study = tmp_path / "titanic.yaml"
    made = cli("init", FILES / "titanic.csv", "--target", "Survived", "-o", study)
    text = study.read_text()
    assert "    # rownames: a different whole number in every row (1 to 400)" in text
    assert "    # Name: 240 distinct values in 240 train rows: a name or an id\n" in text
    assert "#   Age: numeric, 0.83 to 71, 26.7% missing → scaled; gaps → median 35, flagged" in text
    assert "#   PClass: categorical, 2 levels: 1st, 2nd → one 0/1 input" in text
    assert "target: Survived names 2 classes (1 57.2%, 0 42.8%)" in made.stdout
    space = [line.split(":")[0].strip() for line in text.split("hyperparameters:")[1].split(
        "\n")[1:] if re.match(r"  \w+: \{distribution", line)]  # fmt: skip
    assert space == [
        "learning_rate", "beta1", "hidden_units", "batch_size", "layers", "weight_decay",
    ]  # fmt: skip  init's default: the course's space with the tabular-network recipes' additions
    for line in ("optimizer: adamw", "decay_schedule: cosine", "warmup_epochs: 1",
                 "label_smoothing: 0.1", "keep_best_epoch: true"):  # fmt: skip
        assert f"\n  {line}\n" in text
    said = " ".join(made.stdout.split())
    assert (
        "search: schedule asha, a budget of 2,400 epochs (40 full trials of 60): about 123 "
        "configurations, about 15 reaching 60 epochs, the strong space (--preset)" in said
    )
    course = tmp_path / "course.yaml"
    made = cli("init", FILES / "titanic.csv", "--target", "Survived", "-o", course, "--preset",
               "course", "--name", "course")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "learning_rate_decay: {distribution: log_uniform" in course.read_text()
    assert "adamw" not in course.read_text() and "smoothing" not in course.read_text()
    assert "\n  keep_best_epoch: false\n" in course.read_text()  # the course's network as it was
    wrong = cli("init", FILES / "titanic.csv", "--target", "Survived", "--preset", "fancy")
    assert wrong.exit_code == 2 and "--preset must be one of strong, course" in wrong.output
    caravan = cli("init", FILES / "caravan.csv", "--target", "Purchase", "-o", tmp_path / "c.yaml")
    assert "ranked by balanced error" in caravan.stdout


@pytest.mark.skipif("task" not in DataSpec.model_fields, reason="regression comes with `task:`")
def test_init_makes_a_regression_of_a_price(tmp_path) -> None:
    study = tmp_path / "diamonds.yaml"
    made = cli("init", FILES / "diamonds.csv", "--target", "price", "-o", study)
    assert made.exit_code == 0, made.output
    assert "task: regression" in study.read_text()
    assert "label_smoothing" not in study.read_text()  # a regression has no labels to smooth
    assert "optimizer: adamw" in study.read_text()
    assert cli("check", study).exit_code == 0


def test_init_replaces_nothing_unless_asked(tmp_path) -> None:
    study = tmp_path / "p.yaml"
    study.write_text("mine\n")
    refused = cli("init", FILES / "penguins.csv", "--target", "species", "-o", study)
    assert refused.exit_code == 2 and study.read_text() == "mine\n"
    assert refused.stderr == (
        f"error: --output {study} exists; give another path, or add --force to replace it\n"
    )
    forced = cli("init", FILES / "penguins.csv", "--target", "species", "-o", study, "--force")
    assert forced.exit_code == 0 and study.read_text().startswith("# A study of penguins.csv")
    runs = tmp_path / "runs"
    (runs / "penguins").mkdir(parents=True)
    (runs / "penguins" / "study.db").write_bytes(b"")
    taken = cli("init", FILES / "penguins.csv", "--target", "species", "-o", tmp_path / "q.yaml",
                "--runs-dir", runs)  # fmt: skip
    assert taken.exit_code == 2 and not (tmp_path / "q.yaml").exists()
    assert "a study named 'penguins' already exists" in taken.stderr


@pytest.fixture(scope="module")
def penguins(tmp_path_factory):
    """A penguins study from `init`, its test rows a file of their own, and a robust twin."""
    folder = tmp_path_factory.mktemp("penguins")
    header, *rows = (FILES / "penguins.csv").read_text().splitlines()
    (folder / "penguins.csv").write_text("\n".join([header, *rows[1::4], *rows[2::4],
                                                    *rows[3::4]]) + "\n")  # fmt: skip
    (folder / "penguins-test.csv").write_text("\n".join([header, *rows[::4]]) + "\n")
    made = cli("init", folder / "penguins.csv", "--target", "species", "-o", folder / "s.yaml")
    assert made.exit_code == 0, made.output
    text = (folder / "s.yaml").read_text()
    text = text.replace("  target: species\n", "  target: species\n  test: penguins-test.csv\n")
    text = re.sub(r"(?m)^  epochs: \d+", "  epochs: 15", text)
    text = re.sub(r"(?m)^  schedule: asha\n  budget: \d+$", "  trials: 3", text)  # plain
    (folder / "s.yaml").write_text(text)
    robust = text.replace("name: penguins", "name: robust").replace("standard", "robust")
    (folder / "robust.yaml").write_text(robust.replace("trials: 3", "trials: 1"))
    for study in ("s.yaml", "robust.yaml"):
        ran = cli("run", folder / study, "--runs-dir", folder / "runs", "-q", "--workers", 1)
        assert ran.exit_code == 0, ran.output
    return folder


def test_predict_on_the_study_s_test_rows_scores_as_best_test(penguins) -> None:
    runs = penguins / "runs"
    best = cli("best", "penguins", "--test", "--runs-dir", runs)
    assert best.exit_code == 0, best.output
    error = re.search(r"test error of trial \d+: (\d\.\d{4})", best.stdout)[1]
    predicted = cli("predict", "penguins", penguins / "penguins-test.csv", "--runs-dir", runs)
    assert predicted.exit_code == 0, predicted.output
    assert f"error on these rows (their 'species' column): {error} " in predicted.stderr
    assert "filled 3 missing cells as the study did: sex 3\n" in predicted.stderr


def test_show_says_the_gaps_the_study_filled(penguins) -> None:
    shown = cli("show", "penguins", "--runs-dir", penguins / "runs")
    lines = shown.stdout.split("\ndata: gaps filled: ")[1].splitlines()
    said = " ".join(lines[: next(i for i, line in enumerate(lines) if "sex 11" in line) + 1])
    assert said.startswith("bill_length_mm 2 (train 2), bill_depth_mm 2 ")  # prose, wrapped
    assert said.endswith("sex 11 (train 6, dev 2, test 3)")


RAW = {
    "island": ["Torgersen", " Biscoe ", "Atlantis", None],
    "bill_length_mm": [39.1, np.nan, 45.0, 50.5],
    "bill_depth_mm": [18.7, 15.0, None, 15.9],
    "flipper_length_mm": [181, 220, 200, 225],
    "body_mass_g": [3750, 5200, 4100, 5400],
    "sex": ["male", "", "female", "NA"],
    "year": [2007, 2009, 2008, 2009],
}


def chosen(penguins: Path, study: str) -> hpsearch.Model:
    """The chosen trial's model, as `hpsearch export` writes it."""
    path = penguins / f"{study}.npz"
    if not path.exists():
        assert cli("export", study, "--runs-dir", penguins / "runs", "-o", path).exit_code == 0
    return hpsearch.load_model(path)


def raw_rows() -> dict[str, np.ndarray]:
    return {name: np.array(values, dtype=object) for name, values in RAW.items()}


@pytest.mark.parametrize("study", ["penguins", "robust"])
def test_onnx_fed_raw_columns_matches_predict_proba(penguins, study) -> None:
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    model = chosen(penguins, study)
    runs = penguins / "runs"
    assert model.categorical == ("island", "sex")
    assert (model.scaling.clip.any()) == (study == "robust")
    graph = penguins / f"{study}.onnx"
    done = cli("export", study, "--runs-dir", runs, "-o", graph, "--format", "onnx")
    assert done.exit_code == 0, done.output
    session = ort.InferenceSession(str(graph))
    numeric = [c.name for c in model.columns if c.kind == "numeric"]
    X = np.array([[np.nan if v is None else v for v in RAW[n]] for n in numeric], np.float32).T
    texts = np.array([["" if v is None else v.strip() for v in RAW[n]] for n in model.categorical],
                     dtype=object).T  # fmt: skip
    probabilities, labels = session.run(None, {"X": X, "categories": texts})
    expected = model.predict_proba(raw_rows())
    assert np.abs(probabilities - expected).max() < 1e-5
    assert [model.classes[i] for i in labels] == list(model.predict(raw_rows()))


def test_load_model_takes_arrays_and_named_columns_as_the_user_has_them(penguins) -> None:
    model = chosen(penguins, "penguins")
    by_name = model.predict_proba(raw_rows())
    array = np.array([RAW[name] for name in model.features], dtype=object).T
    assert np.array_equal(model.predict_proba(array), by_name)
    shuffled = dict(reversed(list(raw_rows().items())))
    assert np.array_equal(model.predict_proba(shuffled), by_name)
    with pytest.raises(hpsearch.errors.ModelError, match="'abc' is not a number"):
        model.predict_proba({**raw_rows(), "year": np.array(["abc"] * 4, dtype=object)})


def test_predict_says_when_the_label_column_has_another_name(penguins) -> None:
    runs = penguins / "runs"
    renamed = penguins / "renamed.csv"
    text = (penguins / "penguins-test.csv").read_text()
    renamed.write_text(text.replace("species,", "class,", 1))
    silent = cli("predict", "penguins", renamed, "--runs-dir", runs)
    assert silent.exit_code == 0
    assert (
        "no column 'species' (the labels' column in the study's data) in these rows, so they are "
        "not scored; if their labels are in a column of another name, add `--target COLUMN`"
    ) in " ".join(silent.stderr.split())  # prose, wrapped at words
    assert "ignored 1 column the model does not take: class" in silent.stderr
    scored = cli("predict", "penguins", renamed, "--runs-dir", runs, "--target", "class")
    same = cli("predict", "penguins", penguins / "penguins-test.csv", "--runs-dir", runs)
    error = re.search(r"error on these rows .*", same.stderr)[0]
    assert error.replace("'species'", "'class'") in scored.stderr
    wrong = cli("predict", "penguins", renamed, "--runs-dir", runs, "--target", "kind")
    assert wrong.exit_code == 2
    assert wrong.stderr == f"error: --target names column 'kind', which {renamed} does not have\n"


TWO_CLASSES = "".join(f"{i % 9},{'ab'[i % 2]},{'xy'[i % 3 == 0]}\n" for i in range(60))
BAD = [
    (
        "entirely_missing",
        "w,colour,label\n" + TWO_CLASSES.replace(",a,", ",,").replace(",b,", ",NA,"),
        "",
        "{d}/d.csv: column 'colour' is empty in every train row; leave it out with "
        "`ignore: [colour]`",
    ),
    (
        "level_not_in_file",
        "w,colour,label\n" + TWO_CLASSES,
        "  categorical: [{colour: [a, c]}]\n",
        "{d}/s.yaml, line 4: data.categorical: categorical: level 'c' of column 'colour' is not "
        "in {d}/d.csv; its levels are: a, b",
    ),
    (
        "named_twice",
        "w,colour,label\n" + TWO_CLASSES,
        "  categorical: [colour]\n  ignore: [colour]\n",
        "{d}/s.yaml, line 2: data: column 'colour' is listed under both categorical and ignore; "
        "a column gets one treatment: keep it in one of them",
    ),
    (
        "not_a_column",
        "w,colour,label\n" + TWO_CLASSES,
        "  ignore: [colur]\n",
        "{d}/s.yaml, line 4: data.ignore: ignored column 'colur' is not in {d}/d.csv; did you "
        "mean 'colour'? Its columns are: w, colour, label",
    ),
    (
        "numeric_not_a_column",
        "w,colour,label\n" + TWO_CLASSES,
        "  numeric: [wt]\n",
        "{d}/s.yaml, line 4: data.numeric: numeric column 'wt' is not among the features of "
        "{d}/d.csv; did you mean 'w'? its feature columns are: w, colour",
    ),
    (
        "numeric_holds_text",
        "w,colour,label\n" + TWO_CLASSES,
        "  numeric: [colour]\n",
        "{d}/d.csv: column 'colour' is listed under `numeric:` but holds text: 'a' ({d}/d.csv "
        "line 2 (counting the header line), column 2 ('colour')); fix the cells, or take it out "
        "of `numeric:`",
    ),
    (
        "all_rows_dropped",
        "w,colour,label\n" + "".join(f"{i},a,\n" for i in range(9)),
        "",
        "{d}/s.yaml, line 4: data.target: every row of {d}/d.csv lacks a label (column 'label' "
        "is empty or NA throughout); name the label column with `target:`",
    ),
    (
        "an_id",
        "w,code,label\n" + "".join(f"{i % 9},id{i},{'xy'[i % 3 == 0]}\n" for i in range(60)),
        "",
        "{d}/d.csv: column 'code' has 36 distinct values in 36 train rows (more than "
        "max_level_share = 0.5 of them), as a name or an id has; leave it out with "
        "`ignore: [code]`",
    ),
]


@pytest.mark.parametrize(("id", "csv", "extra", "message"), BAD, ids=[case[0] for case in BAD])
def test_a_bad_input_is_one_message_and_nothing_is_written(tmp_path, id, csv, extra, message):
    (tmp_path / "d.csv").write_text(csv)
    study = tmp_path / "s.yaml"
    study.write_text(f"name: s\ndata:\n  dataset: d.csv\n{extra}  target: label\n")
    result = cli("run", study, "--runs-dir", tmp_path / "runs")
    assert result.exit_code == 2, result.output
    said = result.stderr.removeprefix("error: ").rstrip("\n")
    expected = message.format(d=tmp_path)
    assert said == expected or said.endswith(f"data.dataset: {expected}"), said
    assert not (tmp_path / "runs").exists()


def test_check_counts_the_rows_of_each_file_and_the_rows_dropped(tmp_path) -> None:
    (tmp_path / "d.csv").write_text("w,colour,label\n" + TWO_CLASSES + "1,,x\n")
    (tmp_path / "t.csv").write_text("w,colour,label\n" + "".join(TWO_CLASSES.splitlines(True)[:33]))
    study = tmp_path / "s.yaml"
    study.write_text(
        "name: s\ndata: {dataset: d.csv, test: t.csv, missing: drop, split: [0.75, 0.25]}\n"
    )
    checked = cli("check", study)
    assert checked.exit_code == 0, checked.output
    assert (
        "data: d.csv: 61 rows (and a test file of 33) × 2 features, 2 classes; 1 row dropped; "
        "train 45 / dev 15 / test 33;"
    ) in " ".join(checked.stdout.split())  # prose, wrapped at words
    assert (
        "data: rows dropped from the dataset file: 1 with a missing value (missing: drop; "
        "colour 1)\n"
    ) in checked.stdout
    three = study.read_text().replace("[0.75, 0.25]", "[0.75, 0.25, 0]")
    study.write_text(three)
    refused = cli("check", study)
    assert refused.exit_code == 2
    assert "with a test file, split gives only train and dev (its test number would be " in (
        refused.stderr
    )


def test_load_model_takes_a_dataframe_with_pandas_missing_values(penguins) -> None:
    pd = pytest.importorskip("pandas")
    model = chosen(penguins, "penguins")
    frame = pd.DataFrame(RAW).convert_dtypes()  # pd.NA where a cell is missing
    assert np.array_equal(model.predict_proba(frame), model.predict_proba(raw_rows()))
