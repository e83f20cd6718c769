"""Bad targets and metrics, one row each, in the form of `tests/data_cases.py` (the same
`BadInput`), run through `load_dataset` by tests/data/test_target.py and through `hpsearch run`
by tests/cli/test_target_cli.py."""

from __future__ import annotations

from tests.data_cases import CSV, DROP_HINT, HEADER_LINE, BadInput, case, text

# 60 rows: a price-like target with 60 distinct values, one feature.
QUANTITY = "a,price\n" + "".join(f"{i},{100 + 7 * i}\n" for i in range(60))
REGRESSION = {**CSV, "task": "regression"}

TARGET_INPUTS: tuple[BadInput, ...] = (
    case(
        "target_looks_like_a_quantity",
        text("d.csv", QUANTITY),
        CSV,
        "target 'price' of {dir}/d.csv holds 60 distinct numbers (like '100', '107', '114'): it "
        "looks like a quantity to predict, not classes; set `task: regression` in `data:` to "
        "train a regression (or `task: classification` if they are class codes)",
    ),
    case(
        "regression_target_with_text",
        text("d.csv", QUANTITY.replace("\n5,135\n", "\n5,about 135\n")),
        REGRESSION,
        f"{{dir}}/d.csv line 7 {HEADER_LINE}, column 2 ('price'): 'about 135' is not a number, "
        "but the target of a regression must be; fix the cell, or leave it empty to drop the "
        "row (or, if the target names classes, set `task: classification`)",
    ),
    case(
        "regression_target_with_one_value",
        text("d.csv", "a,price\n" + "".join(f"{i},3.5\n" for i in range(9))),
        REGRESSION,
        "target 'price' of {dir}/d.csv has one value (3.5) in every row: there is nothing to "
        "learn; choose another target column",
    ),
    case(
        "class_target_with_one_value",
        text("d.csv", "a,kind\n" + "".join(f"{i},b\n" for i in range(9))),
        {**CSV, "task": "classification"},
        "target 'kind' of {dir}/d.csv has one value ('b') in every row: a classifier needs at "
        "least two classes; choose another target column",
    ),
    case(
        "class_target_with_10000_levels",
        text("d.csv", "a,id\n" + "".join(f"{i % 7},id{i}\n" for i in range(10_000))),
        CSV,
        "target 'id' of {dir}/d.csv has 10,000 distinct values in 10,000 rows: too many classes "
        "to learn (at most 1,000 here, with rows of each in train, dev and test); if it is a "
        "quantity, set `task: regression` in `data:`; if it identifies the rows, choose another "
        "target column",
    ),
    case(
        "target_missing_with_missing_error",
        text("d.csv", "a,kind\n1,x\n2,NA\n3,y\n"),
        {**CSV, "missing": "error"},
        f"{{dir}}/d.csv line 3 {HEADER_LINE}, column 2 ('kind') is 'NA', but every row needs a "
        f"label; {DROP_HINT}",
    ),
    case(
        "task_not_the_builtins",
        text("d.csv", QUANTITY),
        {"dataset": "digits", "task": "regression"},
        "data: dataset 'digits' is a classification dataset; remove task, or give a file whose "
        "target is what you want to predict",
    ),
)
