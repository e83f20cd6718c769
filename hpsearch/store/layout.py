"""A study's folder: the names of the files in it, in one place.

`<runs>/<name>/` holds `study.db` (the store), `study.lock` (the run lock), `models/` (the weights
of the best trials), `checkpoints/` (trials paused at a rung, while they may still go on),
`test-reads.jsonl` (every look at the test split) and `data.json` (what loading did to the data);
`plots/` and `dashboard/` hold what `hpsearch plot` and `hpsearch dashboard` wrote."""

from __future__ import annotations

import os
import re
import shlex
from datetime import datetime
from pathlib import Path

from hpsearch.errors import StoreError
from hpsearch.store.faults import os_error

DB_NAME = "study.db"
LOCK_NAME = "study.lock"
MODELS_DIR = "models"
CHECKPOINTS_DIR = "checkpoints"  # trials paused at a rung of a halving schedule
TEST_LOG = "test-reads.jsonl"
DATA_REPORT = "data.json"  # what loading did to the data: rows dropped, gaps filled
PLOTS_DIR = "plots"  # written by `hpsearch plot`
DASHBOARD_DIR = "dashboard"  # the Optuna storage `hpsearch dashboard` serves, kept to add to
# What a study is made of, that no output may overwrite; the store with its WAL, shared-memory
# and partial files (`study.db…`), what each is called in a message.
STUDY_PARTS = {
    DB_NAME: "the store",
    LOCK_NAME: "the run lock",
    MODELS_DIR: "the kept models' folder",
    CHECKPOINTS_DIR: "the checkpoints' folder",
    TEST_LOG: "the log of test reads",
    DATA_REPORT: "the data's report",
}


def model_path(folder: Path, number: int) -> Path:
    """Where the saved model of trial `number` of the study in `folder` lies, if it was kept."""
    return folder / MODELS_DIR / f"trial-{number}.npz"


def kept_model(folder: Path, number: int) -> Path | None:
    """The saved model of trial `number`, None when it was not kept."""
    path = model_path(folder, number)
    return path if path.is_file() else None


RUNS_ENV = "HPSEARCH_RUNS"  # the folder that holds the studies, when --runs-dir is not given
DEFAULT_RUNS = "runs"  # else this folder of the working directory


def default_runs() -> Path:
    """The runs folder when none is named: $HPSEARCH_RUNS, else runs/ of the working directory.
    The command line's --runs-dir reads the same variable (its `envvar`)."""
    return Path(os.environ.get(RUNS_ENV) or DEFAULT_RUNS)


def is_study(folder: Path) -> bool:
    """Whether `folder` holds a study (its store)."""
    return (folder / DB_NAME).is_file()


def quoted(path: str | Path) -> str:
    """A path as a shell reads it back whole: copy-pasted into a command, it works."""
    return shlex.quote(str(path))


def refuse_study_part(path: Path, option: str) -> None:
    """Refuses an output `path` that is, or lies inside, a part of some study (its store, run
    lock, kept models, checkpoints or test-read log), links resolved: writing it would destroy
    the study. `option` names the argument that gave it."""
    target = Path(path).resolve()
    for folder in target.parents:
        if not is_study(folder):
            continue
        inside = target.relative_to(folder).parts
        part = DB_NAME if inside[0].startswith(DB_NAME) else inside[0]
        if part in STUDY_PARTS:
            where = "is" if len(inside) == 1 else "lies in"
            raise StoreError(
                f"{option} {path} {where} {STUDY_PARTS[part]} of the study in {quoted(folder)}: "
                "writing it would destroy the study; give a file outside the study's store, "
                "lock, models and checkpoints",
                option=option,
            )


def own_folder(folder: Path, name: str) -> Path:
    """`folder/name`, a folder of the study's own, made if missing; refused when it is a link or
    lies outside `folder`, which would send what is written there elsewhere."""
    path = folder / name
    if path.is_symlink() or (path.exists() and path.resolve().parent != folder.resolve()):
        raise StoreError(
            f"{path} is a link to {os.path.realpath(path)}: hpsearch writes a study's files only "
            f"inside its folder; remove the link (`rm {quoted(path)}`) and run the command again"
        )
    try:
        path.mkdir(exist_ok=True)
    except OSError as error:
        raise os_error(error, path) from None
    return path


DAMAGED_ASIDE = "damaged"  # `hpsearch recover` keeps a damaged study as `<name>.damaged-<time>`
_ASIDE = re.compile(r"^(?P<study>.+)\.(?P<damaged>damaged-)?\d{8}-\d{6}$")


def damaged_aside(folder: Path) -> Path:
    """Where `hpsearch recover` keeps the damaged study of `folder`: beside it, renamed."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder.with_name(f"{folder.name}.{DAMAGED_ASIDE}-{stamp}")


def set_aside_from(folder: Path) -> tuple[str, bool] | None:
    """The name of the study that `folder` was set aside from, and whether it is the damaged
    copy `recover` kept (else the study `run --new` set aside); None for a study's own folder."""
    found = _ASIDE.match(folder.name)
    return None if found is None else (found["study"], found["damaged"] is not None)


def checkpoint_path(folder: Path, number: int, epochs: int) -> Path:
    """Where trial `number` waits after the rung that ended at `epochs`."""
    return folder / CHECKPOINTS_DIR / f"trial-{number}-epoch-{epochs}.npz"
