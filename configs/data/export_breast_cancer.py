"""Writes breast_cancer.csv: scikit-learn's bundled Wisconsin breast-cancer data (569 rows, 30
features) with its labels as text (`malignant`, `benign`) in a first column named `diagnosis`,
so that the example config has to say `target: diagnosis`. Run from anywhere:
`python configs/data/export_breast_cancer.py`."""

from __future__ import annotations

import csv
from pathlib import Path

from sklearn.datasets import load_breast_cancer

OUT = Path(__file__).with_name("breast_cancer.csv")


def main() -> None:
    bunch = load_breast_cancer()
    header = ["diagnosis", *(name.replace(" ", "_") for name in bunch.feature_names)]
    with OUT.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        for label, row in zip(bunch.target, bunch.data, strict=True):
            writer.writerow([bunch.target_names[label], *(repr(float(x)) for x in row)])
    print(f"wrote {len(bunch.target)} rows to {OUT}")


if __name__ == "__main__":
    main()
