"""Which study a command line means: the path of a study's folder, the study file that defines
it, or its name in the runs folder; when none fits, the message names the folder it looked in
and the studies that are there, with the closest name."""

from __future__ import annotations

from pathlib import Path

from hpsearch.errors import StoreError
from hpsearch.store.layout import DEFAULT_RUNS, RUNS_ENV, is_study, quoted
from hpsearch.study.listing import study_names
from hpsearch.userinput.messages import closest

STUDY_FILES = (".yaml", ".yml")


def study_folder(study: str | Path, runs_dir: str | Path) -> Path:
    """The folder of the study named by `study`: a study folder's path, a study file (its
    `name:` in `runs_dir`), or a name in `runs_dir`."""
    path = Path(study)
    if is_study(path):
        return path
    if path.suffix.lower() in STUDY_FILES and path.is_file():
        return _defined_by(path, Path(runs_dir))
    folder = Path(runs_dir) / path
    if is_study(folder):
        return folder
    raise StoreError(no_study(str(study), Path(runs_dir)), option="runs_dir")


def _defined_by(path: Path, runs_dir: Path) -> Path:
    from hpsearch.config import load_config

    name = load_config(path).name
    if is_study(runs_dir / name):
        return runs_dir / name
    raise StoreError(
        f"runs_dir {quoted(runs_dir.resolve())} holds no study '{name}', the study {path} "
        f"defines; start it with `hpsearch run {quoted(path)}`{_elsewhere()}",
        option="runs_dir",
    )


def no_study(name: str, runs_dir: Path) -> str:
    """`runs_dir /abs/runs holds no study 'x'; did you mean 'y'? It holds: y, z` and where the
    runs folder comes from. Begins with `runs_dir`, which the command line says as its flag."""
    names = study_names(runs_dir)
    close = closest(name, names)
    text = f"runs_dir {quoted(runs_dir.resolve())} holds no study '{name}'"
    if close:
        text += f"; did you mean '{close}'?"
    if names:
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        text += f"{' It' if close else '; it'} holds: {shown}"
    else:
        text += "; it holds no study yet: start one with `hpsearch run CONFIG`"
    return text + _elsewhere()


def _elsewhere() -> str:
    return (
        f". The runs folder is ${RUNS_ENV} when set, else {DEFAULT_RUNS}/ in the working "
        "directory (not the study file's folder)"
    )
