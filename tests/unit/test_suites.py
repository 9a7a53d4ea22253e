"""Every expectation of every suite catches a corruption made for it (a test per expectation).

The corruption is derived from the expectation itself, applied to the sample's extracted frame,
and only that suite is run: the test fails if an expectation could never fail.
"""

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine

from reportpack.extract import extract
from reportpack.periods import Period
from reportpack.validate import validate

ROOT = Path(__file__).resolve().parents[2]
EXPECTATIONS = ROOT / "expectations"
CASES = [
    (path.stem, i, exp)
    for path in sorted(EXPECTATIONS.glob("*.json"))
    for i, exp in enumerate(json.loads(path.read_text("utf-8"))["expectations"])
]


@pytest.fixture(scope="module")
def frames(sample_url):
    engine = create_engine(sample_url)
    with engine.connect() as conn:
        got = extract(conn, Period.parse("2023H1"), ROOT / "templates" / "sql")
    engine.dispose()
    return got


def corrupt(frame: pd.DataFrame, exp: dict) -> pd.DataFrame:
    """A copy of ``frame`` that breaks ``exp``."""
    kind, kw = exp["type"], exp["kwargs"]
    df = frame.copy()
    if kind == "expect_table_columns_to_match_set":
        return df.drop(columns=[df.columns[0]])
    if kind == "expect_table_row_count_to_be_between":
        if kw.get("min_value"):
            return df.head(0)
        return pd.concat([df] * (int(kw["max_value"]) + 1), ignore_index=True)
    if kind == "expect_compound_columns_to_be_unique":
        return pd.concat([df, df.head(1)], ignore_index=True)
    if kind == "expect_column_values_to_be_unique":
        df.loc[1, kw["column"]] = df.loc[0, kw["column"]]
        return df
    if kind == "expect_column_values_to_not_be_null":
        df[kw["column"]] = df[kw["column"]].astype(object)
        df.loc[0, kw["column"]] = None
        return df
    if kind == "expect_column_values_to_be_between":
        col = kw["column"]
        bad = kw["min_value"] - 1 if kw.get("min_value") is not None else kw["max_value"] + 1
        df[col] = df[col].astype("float64")
        df.loc[0, col] = bad
        return df
    if kind == "expect_column_pair_values_to_be_equal":
        a, b = kw["column_A"], kw["column_B"]
        df[a] = df[a].astype("float64")
        df.loc[0, a] = df.loc[0, b] + 1
        return df
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kw["column_A"], kw["column_B"]
        df[a] = df[a].astype("float64")
        df.loc[0, a] = df.loc[0, b] - 1
        return df
    if kind == "expect_column_values_to_match_regex":
        df[kw["column"]] = df[kw["column"]].astype(object)
        df.loc[0, kw["column"]] = "不合格式"
        return df
    if kind == "expect_column_values_to_be_in_set":
        df[kw["column"]] = df[kw["column"]].astype(object)
        df.loc[df.index[0], kw["column"]] = "不在取值范围内"
        return df
    raise AssertionError(f"no corruption defined for {kind}: add one to tests/unit/test_suites.py")


@pytest.mark.parametrize("suite,index,exp", CASES, ids=[f"{s}#{i}:{e['type'].removeprefix('expect_')}" for s, i, e in CASES])
def test_each_expectation_catches_its_corruption(frames, tmp_path, suite, index, exp):
    # only this suite, with only this expectation: no other rule may take the blame
    data = json.loads((EXPECTATIONS / f"{suite}.json").read_text("utf-8"))
    data["expectations"] = [exp]
    (tmp_path / f"{suite}.json").write_text(json.dumps(data), "utf-8")
    outcome = validate({suite: corrupt(frames[suite], exp)}, tmp_path)
    assert [f.expectation for f in outcome.failures] == [exp["type"]]
    assert outcome.failures[0].severity == exp.get("severity", "critical")
