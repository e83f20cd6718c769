"""Writes digits-rows.csv: twelve of scikit-learn's bundled handwritten digits (8×8 pixels,
0–16) as new rows come to a model: one column per pixel, named as the quickstart's model names
its features (pixel_0_0 … pixel_7_7), and no label. The README predicts them with the
quickstart's model. Run from anywhere: `python configs/data/export_digits_rows.py`."""

from __future__ import annotations

import csv
from pathlib import Path

from sklearn.datasets import load_digits

OUT = Path(__file__).with_name("digits-rows.csv")
ROWS = range(0, 1797, 150)  # twelve rows, spread over the file


def main() -> None:
    bunch = load_digits()
    with OUT.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(bunch.feature_names)
        for row in ROWS:
            writer.writerow([int(x) for x in bunch.data[row]])
    print(f"wrote {len(ROWS)} rows to {OUT}")


if __name__ == "__main__":
    main()
