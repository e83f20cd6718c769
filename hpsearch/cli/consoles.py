"""The two consoles every command writes to: stdout for its answer, stderr for errors and what
`predict` says while its rows go to stdout."""

from __future__ import annotations

from hpsearch.cli.output import Output

stdout = Output()
stderr = Output(stderr=True)
