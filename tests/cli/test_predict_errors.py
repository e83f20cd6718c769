"""Every bad input of `predict`, `export` and `best --test` with a model: one line on stderr that
names what is wrong and what to do, exit code 2, and no partial output file."""

from __future__ import annotations

import pickle
import shutil
import zipfile

import numpy as np
import pytest
from typer.testing import CliRunner

from hpsearch.cli.app import app
from tests.model_cases import ANIMALS, animal_rows, make_model_study, rewrite_model, write_rows

runner = CliRunner()
REEXPORT = "export it again with `hpsearch export STUDY --trial N --output FILE`"
WHERE = "line {line} (counting the header line)"


def hpsearch_cli(*args):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """The animals study, its exported model, and files that are wrong in one way each."""
    data = tmp_path_factory.mktemp("data")
    make_model_study(data / "runs", data, "animals", ANIMALS)
    model = data / "model.npz"
    exported = hpsearch_cli("export", "animals", "--runs-dir", data / "runs", "-o", model)
    assert exported.exit_code == 0, exported.output
    write_rows(data / "two-columns.csv", *animal_rows(5, ANIMALS, 2), columns=("weight", "legs"))
    files = {
        "word.csv": "weight,height,legs,wings,kind\n1,2,3,4,cat\n1,abc,3,4,cat\n",
        "short.csv": "weight,height,legs,wings\n1,2,3\n",
        "text.npz": "hello",
    }
    for name, text in files.items():
        (data / name).write_text(text)
    (data / "truncated.npz").write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    shutil.copy(model, data / "newer.npz")
    rewrite_model(data / "newer.npz", format_version=3)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("two-columns.csv", "data file '{d}/two-columns.csv' has no column height, wings, which "
         "the model needs; its columns are: weight, legs, kind"),
        ("word.csv", f"{{d}}/word.csv {WHERE.format(line=3)}, column 2 ('height'): 'abc' is not "
         "a number; the model reads this column as numbers"),
        ("short.csv", f"{{d}}/short.csv {WHERE.format(line=2)} has 3 values, but the header "
         "names 4 columns; give every row one value per column"),
        ("missing.csv", "data file '{d}/missing.csv' does not exist; check the path"),
    ],
)  # fmt: skip
def test_bad_rows_are_refused_without_a_partial_output(place, data, message) -> None:
    output = place / "predictions.csv"
    result = hpsearch_cli("predict", place / "model.npz", place / data, "--output", output)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {message.format(d=place)}\n"
    assert list(place.glob("predictions.csv*")) == []


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("text.npz", f"{{d}}/text.npz is not an hpsearch model (not a .npz archive); {REEXPORT}"),
        ("truncated.npz", f"{{d}}/truncated.npz is truncated or damaged; {REEXPORT}"),
        ("newer.npz", "{d}/newer.npz is a model of format 3, newer than this hpsearch 0.1.0 "
         "reads (format 2); upgrade hpsearch (pip install -U hpsearch)"),
        ("nothing", "{d}/nothing is neither a model file nor a study (no study folder "
         "{d}/nothing); give a file that `hpsearch export` wrote, or a study's name or folder"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_usable_model_is_refused(place, model, message) -> None:
    result = hpsearch_cli("predict", place / model, place / "animals-test.csv")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {message.format(d=place)}\n"


def test_export_names_trials_without_weights_and_how_to_keep_more(place) -> None:
    runs = place / "runs"
    kept = next((runs / "animals" / "models").glob("trial-*.npz")).stem.removeprefix("trial-")
    other = 1 - int(kept)
    result = hpsearch_cli("export", "animals", "--runs-dir", runs, "-o", "x.npz", "--trial", other)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: trial {other} of study 'animals' has no saved weights: the study keeps those "
        f"of its best search.keep_models = 1 complete trials (now: {kept}); export one of "
        "those, or raise keep_models in the study file to keep more of the trials it runs next\n"
    )
    result = hpsearch_cli("export", "animals", "--runs-dir", runs, "-o", "x.npz", "--trial", 7)
    assert result.stderr == (
        "error: --trial 7: study 'animals' has no such trial (its trials: 0…1)\n"
    )
    result = hpsearch_cli("export", "animals", "--runs-dir", runs, "-o", place / "no/x.npz")
    assert result.stderr == (
        f"error: --output {place}/no/x.npz cannot be written (No such file or directory); give "
        "a file in an existing, writable folder\n"
    )


def test_best_test_refuses_a_model_trained_on_other_data(place, tmp_path) -> None:
    study = tmp_path / "animals"
    shutil.copytree(place / "runs" / "animals", study)
    weights = next((study / "models").glob("trial-*.npz"))
    rewrite_model(weights, fingerprint="0123456789abcdef")
    result = hpsearch_cli("best", study, "--test")
    assert result.exit_code == 2 and "test error" not in result.stdout
    fingerprint = result.stderr.split("the study's: ")[1][:12]
    trial = weights.stem.removeprefix("trial-")
    assert result.stderr == (
        f"error: {weights} is not the model of trial {trial} of study 'animals': it says it is "
        f"trial {trial} of study 'animals', on data 0123456789ab (the study's: {fingerprint}); "
        "delete it. `hpsearch best STUDY --output chosen.yaml` and `hpsearch train chosen.yaml "
        "--save FILE` train the chosen trial again, bit for bit\n"
    )
    assert not (study / "test-reads.jsonl").exists()


def test_npy_rows_are_read_block_by_block_and_their_gaps_filled(place, monkeypatch) -> None:
    monkeypatch.setattr("hpsearch.data.rows.BLOCK_ROWS", 4)
    X, _ = animal_rows(10, ANIMALS, 4)
    np.save(place / "whole.npy", X)
    X[6, 1] = np.nan
    np.save(place / "gap.npy", X)
    np.save(place / "narrow.npy", X[:, :3])
    model = place / "model.npz"
    whole = hpsearch_cli("predict", model, place / "whole.npy")
    result = hpsearch_cli("predict", model, place / "gap.npy", "-o", place / "p.csv")
    assert result.exit_code == 0, result.output
    assert "filled 1 missing cells as the study did: height 1" in result.stdout
    rows = (place / "p.csv").read_text().splitlines()
    assert rows[:7] + rows[8:] == (whole.stdout.splitlines()[:7] + whole.stdout.splitlines()[8:])
    result = hpsearch_cli("predict", model, place / "narrow.npy")
    assert result.stderr == (
        f"error: data file '{place}/narrow.npy' has 3 columns, but the model takes 4 "
        "(weight, height, legs, wings), in that order\n"
    )


def test_a_csv_is_read_in_blocks_with_the_lines_counted_across_them(place, monkeypatch) -> None:
    X, kinds = animal_rows(23, ANIMALS, 6)
    write_rows(place / "many.csv", X, kinds)
    whole = hpsearch_cli("predict", place / "model.npz", place / "many.csv", "--proba")
    monkeypatch.setattr("hpsearch.data.rows.BLOCK_ROWS", 5)
    blocks = hpsearch_cli("predict", place / "model.npz", place / "many.csv", "--proba")
    assert blocks.exit_code == 0 and blocks.stdout == whole.stdout
    assert len(blocks.stdout.splitlines()) == 24 and blocks.stderr == whole.stderr
    lines = (place / "many.csv").read_text().splitlines()
    lines[18] = lines[18].replace(",", ",x", 1)
    (place / "many.csv").write_text("\n".join(lines) + "\n")
    result = hpsearch_cli("predict", place / "model.npz", place / "many.csv")
    assert result.stderr.startswith(
        f"error: {place}/many.csv line 19 (counting the header line), column 2 ('height'): 'x"
    )


def test_a_model_entry_that_is_a_raw_pickle_is_refused_unread(place, tmp_path) -> None:
    """An .npz member that is not in NumPy's format is bytes to NumPy: refused, never cast."""
    planted = tmp_path / "ran"

    class Planted:
        def __reduce__(self):
            return (open, (str(planted), "w"))

    crafted = tmp_path / "crafted.npz"
    with zipfile.ZipFile(place / "model.npz") as source, zipfile.ZipFile(crafted, "w") as out:
        for name in source.namelist():
            data = pickle.dumps(Planted()) if name == "W1.npy" else source.read(name)
            out.writestr(name, data)
    result = hpsearch_cli("predict", crafted, place / "animals-test.csv")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"error: {crafted} is damaged (its entry 'W1' is not (4, ")
    assert not planted.exists()


def test_export_refuses_a_model_file_of_another_study_in_the_studys_folder(place, tmp_path):
    """A model file copied into a study's models/ under a kept trial's name is a stranger."""
    study = tmp_path / "animals"
    shutil.copytree(place / "runs" / "animals", study)
    kept = next((study / "models").glob("trial-*.npz"))
    rewrite_model(kept, study="birds", trial=7)
    for command in (("export", study, "-o", tmp_path / "x.npz"), ("predict", study, place /
                    "animals-test.csv"), ("best", study, "--test")):  # fmt: skip
        result = hpsearch_cli(*command)
        assert result.exit_code == 2, command
        trial = kept.stem.removeprefix("trial-")
        assert result.stderr.startswith(
            f"error: {kept} is not the model of trial {trial} of study 'animals': it says it is "
            "trial 7 of study 'birds', on data "
        ), command
    assert not (tmp_path / "x.npz").exists()


@pytest.fixture
def read_only(tmp_path):
    """A read-only tmpfs at `tmp_path/ro`; skipped where this machine does not allow mounting."""
    import subprocess

    point = tmp_path / "ro"
    point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(point)],
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=True)


@pytest.mark.parametrize("format", ["npz", "onnx"])
def test_export_into_a_read_only_folder_is_a_message(place, read_only, format) -> None:
    output = read_only / f"model.{format}"
    result = hpsearch_cli(
        "export", "animals", "--runs-dir", place / "runs", "--format", format, "-o", output
    )
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: --output {output} cannot be written (Read-only file system); give a file in an "
        "existing, writable folder\n",
    )
