"""What loading did to a study's data (`data.DataReport`: rows dropped, gaps filled, levels sent
to "(other)"), kept as JSON in the study folder when a run starts, so that `show` can say it
without reading the data again. A missing or unreadable file is simply not said."""

from __future__ import annotations

import json
from pathlib import Path

from hpsearch.data.report import DataReport
from hpsearch.durable import written_aside
from hpsearch.store.layout import DATA_REPORT


def keep_data_report(folder: Path, report: DataReport | None) -> None:
    """Writes `report` into the study folder, aside and renamed; a failure loses only it."""
    if report is None:
        return
    try:
        with written_aside(folder / DATA_REPORT, "w", encoding="utf-8") as file:
            file.write(json.dumps(report.to_dict()))
    except OSError:
        pass


def data_report(folder: Path) -> DataReport | None:
    """The report a run kept in `folder`, or None."""
    try:
        return DataReport.from_dict(json.loads((folder / DATA_REPORT).read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
