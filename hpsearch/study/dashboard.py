"""`hpsearch dashboard`: the study in optuna-dashboard, in the browser, on this machine only.

The study is exported to an Optuna storage kept in its folder (`dashboard/optuna.journal`), so
opening the dashboard again adds only the trials finished since; optuna-dashboard's own WSGI
app (`optuna_dashboard.wsgi`) is then served on 127.0.0.1 until Ctrl-C. The port is taken
before anything else is said, so that a taken port is a message, not a traceback."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from hpsearch.errors import ConfigError, StoreError
from hpsearch.store.layout import DASHBOARD_DIR, own_folder, quoted
from hpsearch.study.optuna_export import OptunaExport, export_optuna

HOST = "127.0.0.1"  # never another machine's: the dashboard can change what it shows
JOURNAL = "optuna.journal"
DASHBOARD_MISSING = (
    "hpsearch dashboard needs optuna-dashboard; install it with `pip install optuna-dashboard` "
    "(or `pip install 'hpsearch[dashboard]'`), or write the study with `hpsearch export "
    "STUDY --format optuna --output study.journal` and open that file where optuna-dashboard "
    "runs (`optuna-dashboard study.journal`)"
)


@dataclass(frozen=True)
class Dashboard:
    """Where the dashboard of a study is served, and what its storage holds."""

    url: str
    export: OptunaExport


def serve_dashboard(folder: Path, port: int, ready: Callable[[Dashboard], None]) -> None:
    """Exports the study in `folder` and serves it on `port` of 127.0.0.1 (0: any free port),
    telling `ready` where, until Ctrl-C or SIGTERM, which end it without an error."""
    optuna_dashboard = _optuna_dashboard()
    with _bound(port) as server:  # the port first: taken, nothing else is done
        export = export_optuna(folder, _journal(folder))
        import optuna

        storage = optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(str(export.path))
        )
        study_id = storage.get_study_id_from_name(export.study)
        server.set_app(optuna_dashboard.wsgi(storage))
        url = f"http://{HOST}:{server.server_port}/dashboard/studies/{study_id}"
        ready(Dashboard(url, export))
        with suppress(KeyboardInterrupt):  # Ctrl-C, or SIGTERM: how a dashboard is meant to end
            server.serve_forever()


def _journal(folder: Path) -> Path:
    """The storage in the study's own `dashboard/` folder; a link there is refused, as it would
    write elsewhere."""
    path = own_folder(folder, DASHBOARD_DIR) / JOURNAL
    if path.is_symlink():
        raise StoreError(
            f"{path} is a link to {os.path.realpath(path)}: hpsearch writes a study's files only "
            f"inside its folder; remove the link (`rm {quoted(path)}`) and run the command again"
        )
    return path


class _Quiet(WSGIRequestHandler):
    """No line on stderr per request: the terminal keeps the address and how to stop."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _bound(port: int) -> WSGIServer:
    """A server holding `port`, its app set once the storage is written."""
    try:
        return make_server(HOST, port, _not_yet, handler_class=_Quiet)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {HOST} is taken (another dashboard, or another program); "
                f"choose another with --port, e.g. --port {port + 1}, or --port 0 for any free "
                "one",
                option="port",
            ) from None
        if error.errno == errno.EACCES:
            raise ConfigError(
                f"port {port} needs more rights than this user has (ports below 1024 do); "
                "choose one above 1024 with --port, e.g. --port 8080",
                option="port",
            ) from None
        raise ConfigError(
            f"cannot serve on {HOST}:{port} ({error.strerror or error}); choose another port "
            "with --port",
            option="port",
        ) from None


def _not_yet(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"the study is being written; try again in a moment"]


def _optuna_dashboard() -> Any:
    try:
        import optuna_dashboard
    except ImportError:
        raise ConfigError(DASHBOARD_MISSING) from None
    return optuna_dashboard
