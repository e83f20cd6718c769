"""The README's picture of `hpsearch dashboard`: the quickstart and one zoom round, served by
optuna-dashboard, photographed by a headless Chromium.

    pip install -e ".[bench]"                     # playwright, optuna-dashboard
    python -m playwright install chromium         # or give a Chromium of the system:
    python benchmarks/dashboard_screenshot.py [--browser /usr/lib/chromium/chromium-headless-shell]

Writes docs/img/dashboard-history.png (the history and importance of the study) and
docs/img/dashboard-slices.png (the dev metric against each hyperparameter).
The study runs in a temporary folder, as `hpsearch run configs/quickstart.yaml` and
`hpsearch zoom quickstart` would; nothing leaves 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "img"
SYSTEM_CHROMIUMS = (
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/lib/chromium/chromium",
    "chromium-headless-shell",
    "chromium",
    "google-chrome",
)
VIEW = {"width": 1400, "height": 900}


def hpsearch(*args: str, runs: Path, **options: object) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HPSEARCH_RUNS": str(runs)}
    return subprocess.Popen(
        [sys.executable, "-m", "hpsearch", *args], cwd=ROOT, env=env, text=True, **options
    )


def served_at(process: subprocess.Popen, wait_s: float = 120) -> str:
    """The address `hpsearch dashboard` prints once it serves."""
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout])
    reader.daemon = True
    reader.start()
    while True:
        line = lines.get(timeout=wait_s)
        print(line, end="")
        if "serves it at " in line:
            return line.split("serves it at ")[1].strip()


def browser(given: str | None) -> str | None:
    """A Chromium to drive: the one given, else one of the system's; None: playwright's own."""
    for candidate in [given] if given else SYSTEM_CHROMIUMS:
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found:
            return found
    if given:
        raise SystemExit(f"{given}: no such browser")
    return None


def photograph(url: str, executable: str | None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = chromium.new_page(viewport=VIEW, device_scale_factor=1)
        page.goto(url, wait_until="networkidle")
        page.wait_for_selector(".scatterlayer .point", timeout=60_000)  # the history's dots
        page.wait_for_timeout(2_000)  # the importance bars, computed after the page
        shots.append(IMAGES / "dashboard-history.png")
        page.screenshot(path=str(shots[-1]))
        page.goto(url + "/analytics")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(3_000)
        shots.append(IMAGES / "dashboard-slices.png")
        page.screenshot(path=str(shots[-1]))
        chromium.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", help="a Chromium executable (default: the system's)")
    executable = browser(parser.parse_args().browser)
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp)
        for args in (("run", "configs/quickstart.yaml", "-q"), ("zoom", "quickstart", "-q")):
            if hpsearch(*args, runs=runs, stdout=subprocess.DEVNULL).wait() != 0:
                raise SystemExit(f"hpsearch {' '.join(args)} failed")
        server = hpsearch(
            "dashboard", "quickstart", "--port", "0", runs=runs, stdout=subprocess.PIPE
        )
        try:
            for shot in photograph(served_at(server), executable):
                print(f"wrote {shot.relative_to(ROOT)}")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
