"""`hpsearch recover`: a damaged study rebuilt from the trials that can be read."""

from __future__ import annotations

from pathlib import Path

from hpsearch.cli.consoles import stdout
from hpsearch.cli.options import RunsDir, Study
from hpsearch.store.layout import DEFAULT_RUNS


def recover(study: Study, runs_dir: RunsDir = Path(DEFAULT_RUNS)) -> None:
    """Rebuild a damaged study from the trials that can still be read.

    The damaged study is kept, renamed; running the study again trains the lost trials anew,
    to the same results."""
    from hpsearch.cli.report import render_recovery
    from hpsearch.study.find import study_folder
    from hpsearch.study.recover import recover_study

    render_recovery(stdout, recover_study(study_folder(study, runs_dir)))
