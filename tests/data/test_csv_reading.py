"""Reading a CSV file: the three ways (the whole file by NumPy's parser, a block the fast way, a
block record by record) read the same cells the same way; text columns are found wherever
their text is; a line past the limit is refused at once; a wide header costs linear time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hpsearch.data import csvblock, csvfile, files
from hpsearch.data.csvfile import read_csv
from hpsearch.data.table import Table
from hpsearch.errors import DataError

MIXED = (
    'a,colour,b,label\n'
    '1,red,2.5,x\n'
    ',"blue",NA,y\n'
    '3, green ,-1e3,x\n'
    '4,N/A,?,y\n'
    '\n'
    '5,"red, dark",nan,x\n'
    '6,red,inf,\n'
    '7,null,8,y\n'
)  # fmt: skip


def cells(table: Table) -> list[tuple]:
    """Each row as (numbers, texts, label), as strings, so that readers compare exactly."""
    rows = []
    for r in range(table.n_rows):
        numbers = tuple("gap" if np.isnan(v) else repr(float(v)) for v in table.X[r])
        texts = tuple(
            "gap" if code < 0 else table.levels[i][code] for i, code in enumerate(table.text[r])
        )
        label = "gap" if table.codes[r] < 0 else str(table.values[table.codes[r]])
        rows.append((numbers, texts, label))
    return rows


@pytest.fixture
def mixed(tmp_path: Path) -> str:
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED)
    return str(path)


def test_every_way_of_reading_reads_the_same_cells(mixed, monkeypatch) -> None:
    expected = [
        (("1.0", "2.5"), ("red",), "x"),
        (("gap", "gap"), ("blue",), "y"),
        (("3.0", "-1000.0"), ("green",), "x"),
        (("4.0", "gap"), ("gap",), "y"),
        (("5.0", "gap"), ("red, dark",), "x"),
        (("6.0", "gap"), ("red",), "gap"),
        (("7.0", "8.0"), ("gap",), "y"),
    ]
    table = read_csv(mixed, "dataset", "label")
    assert table.feature_names == ("a", "colour", "b") and table.text_columns == (1,)
    assert cells(table) == expected
    monkeypatch.setattr(csvblock.BlockReader, "_fast", lambda self, *args: None)
    assert cells(read_csv(mixed, "dataset", "label")) == expected
    monkeypatch.undo()
    numbers = "a,b,label\n1,2.5,x\n,NA,y\n3,inf,\n"
    Path(mixed).write_text(numbers)
    whole = cells(read_csv(mixed, "dataset", "label"))
    monkeypatch.setattr(csvfile, "_whole", lambda layout: None)
    assert cells(read_csv(mixed, "dataset", "label")) == whole == [
        (("1.0", "2.5"), (), "x"), (("gap", "gap"), (), "y"), (("3.0", "gap"), (), "gap"),
    ]  # fmt: skip


def test_text_far_down_a_column_makes_it_text(tmp_path, monkeypatch) -> None:
    """Text first seen past the records looked at first, in a later block: the file is read
    again with that column as text, and no value is lost."""
    monkeypatch.setattr(csvblock, "CHUNK_BYTES", 256)
    lines = ["n,code,label", *(f"{i},{i % 4},{'xy'[i % 2]}" for i in range(1500)), "9,B7,x"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n")
    table = read_csv(str(path), "dataset", "label")
    assert table.text_columns == (1,)
    assert sorted(table.levels[0]) == ["0", "1", "2", "3", "B7"]
    assert cells(table)[-1] == (("9.0",), ("B7",), "x")


def test_a_quoted_cell_spanning_lines_and_crlf_endings_are_read(tmp_path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_bytes(b'a,note,label\r\n1,"two\r\nlines",x\r\n2,plain,y\r\n')
    assert cells(read_csv(str(path), "dataset", "label")) == [
        (("1.0",), ("two\nlines",), "x"), (("2.0",), ("plain",), "y"),
    ]  # fmt: skip


def test_a_number_too_large_for_float32_is_refused_at_its_cell(tmp_path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a,b,label\n1,2,x\n3,1e39,y\n")
    with pytest.raises(DataError) as caught:
        read_csv(str(path), "dataset", "label")
    assert str(caught.value) == (
        f"{path} line 3 (counting the header line), column 2 ('b'): '1e39' is too large for "
        "float32 (largest 3.4e+38); rescale that column"
    )


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"a,b,label\n1,2,x\n" + b"3," * 700 + b"4,y\n5,6,x\n", 3),  # a long data line
        (b"a," * 700 + b"label\n1,x\n", 1),  # a long header
        (b"1" * 5000, 1),  # no newline at all
    ],
)
def test_a_line_past_the_limit_is_refused_before_it_is_read_whole(
    tmp_path, monkeypatch, content, line
) -> None:
    monkeypatch.setattr(files, "LINE_LIMIT", 1024)
    monkeypatch.setattr(csvfile, "LINE_LIMIT", 1024)
    monkeypatch.setattr(csvblock, "LINE_LIMIT", 1024)
    path = tmp_path / "long.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        read_csv(str(path), "dataset", None)
    assert str(caught.value) == (
        f"dataset file '{path}' line {line} is longer than 1,024 bytes, the most a line of a CSV "
        "file may hold; is it a CSV file, with one record per line?"
    )


def test_a_file_of_one_line_larger_than_the_limit_costs_no_memory(tmp_path) -> None:
    """A 40 MiB file without a newline is refused by a look at a few windows of it."""
    path = tmp_path / "oneline.csv"
    with path.open("wb") as stream:
        stream.truncate(40 << 20)  # sparse zeros: no newline anywhere
    with pytest.raises(DataError, match="line 1 is longer than 16 MiB"):
        files.check_line_lengths(str(path), "dataset")


@pytest.mark.timeout(120)
def test_a_header_of_150000_names_is_read_in_linear_time(tmp_path) -> None:
    names = [f"c{i}" for i in range(150_000)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join([*names, "label"]) + "\n" + ",".join(["1"] * 150_000 + ["x"]) + "\n")
    names_read, _ = csvfile.header(str(path), "data")
    assert len(names_read) == 150_001
    layout, ignored = csvfile.csv_layout(str(path), "data", ["c7", "c149999"], "label", [])
    assert layout.features == (7, 149_999) and len(ignored) == 149_998


def test_the_problems_of_a_file_are_said_together_each_at_its_line(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b,label\n1,2,x\n3,4\n5,1e39,y\n6,7,x,8\n")
    with pytest.raises(DataError) as caught:
        read_csv(str(path), "dataset", "label")
    where = f"{path} line {{}} (counting the header line)"
    assert str(caught.value).splitlines() == [
        f"{where.format(3)} has 2 values, but the header names 3 columns; give every row one "
        "value per column",
        f"{where.format(4)}, column 2 ('b'): '1e39' is too large for float32 (largest 3.4e+38); "
        "rescale that column",
        f"{where.format(5)} has 4 values, but the header names 3 columns; give every row one "
        "value per column",
    ]


@pytest.mark.timeout(120)
def test_a_file_of_20000_columns_loads_in_linear_time(tmp_path) -> None:
    from hpsearch.data import DataSpec, load_dataset

    path = tmp_path / "wide.csv"
    rows = [",".join([*(f"x{i}" for i in range(20_000)), "label"])]
    rows += [",".join([*(str((r * i) % 7) for i in range(20_000)), "ab"[r % 2]]) for r in range(30)]
    path.write_text("\n".join(rows) + "\n")
    data = load_dataset(DataSpec(dataset=str(path), split=[10, 10, 10]))
    assert data.n_features == 20_000 and len(data.columns) == 20_000
