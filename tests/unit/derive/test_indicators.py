"""The comparable indicators: the YAML file is checked, scores and 完成率 equal a hand computation."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from reportpack.derive import indicators
from reportpack.owner import indicators as owner_indicators
from reportpack.periods import Period

ROOT = Path(__file__).resolve().parents[3]
YEAR = Period(date(2023, 1, 1), date(2023, 12, 31), "year")  # 时序进度 = 1 at year end
H1 = Period.parse("2023H1")


def _write(tmp_path, body: str) -> Path:
    path = tmp_path / "indicators.yaml"
    path.write_text(body, "utf-8")
    return path


def test_the_shipped_file_has_14_indicators_weighing_100():
    ind = owner_indicators.load(ROOT / "templates" / "indicators.yaml")
    assert len(ind.indicators) == 14 and sum(i.weight for i in ind.indicators) == 100


@pytest.mark.parametrize(
    "body,message",
    [
        (
            "threshold: 80\nindicators:\n  - {id: x, name: 甲, figure: f, scoring: guess, weight: 100}\n",
            r"indicator x \(line 3\): scoring: Input should be 'target', 'rank' or 'band'",
        ),
        (
            "threshold: 80\nindicators:\n  - {id: x, name: 甲, figure: f, scoring: target, weight: 100}\n",
            r"indicator x \(line 3\): scoring 'target' needs 'target'",
        ),
        (
            "threshold: 80\nindicators:\n  - {id: x, name: 甲, figure: f, scoring: band, floor: 1, weight: 100}\n",
            r"indicator x \(line 3\): scoring 'band' needs distinct 'floor' and 'goal'",
        ),
        (
            "threshold: 80\nindicators:\n  - {id: x, name: 甲, figure: f, scoring: rank, weight: 60}\n",
            r"line 1: weights sum to 60, not 100",
        ),
        (
            "threshold: 80\nindicators:\n  - {id: x, name: 甲, figure: f, scoring: rank, wieght: 100}\n",
            r"indicator x \(line 3\): wieght: unknown key",
        ),
    ],
)
def test_a_malformed_file_names_the_file_indicator_and_reason(tmp_path, body, message):
    with pytest.raises(owner_indicators.IndicatorFileError, match=message) as caught:
        owner_indicators.load(_write(tmp_path, body))
    assert caught.value.chinese.startswith("文件 ") and "第" in caught.value.chinese


def test_scores_by_hand(tmp_path):
    ind = owner_indicators.load(
        _write(
            tmp_path,
            """
full_marks: 100
threshold: 80
indicators:
  - {id: growth, name: 增长, figure: growth, scoring: target, target: g, weight: 50}
  - {id: size, name: 规模, figure: size, scoring: rank, weight: 25}
  - {id: errors, name: 差错率, figure: errors, scoring: band, floor: 3.0, goal: 0.5, weight: 25}
""",
        )
    )
    figures = pd.DataFrame(
        {
            "unit_id": ["a", "b", "c"],
            "sub_branch_id": ["s", "s", "s"],
            "growth": [60.0, 120.0, 10.0],
            "size": [3, 2, 1],
            "errors": [0.5, 1.75, 9.0],
            "time_progress": [181 / 365, 181 / 365, 181 / 365],
        }
    )
    targets = pd.DataFrame({"unit_id": ["a", "b", "c"], "indicator": ["g", "g", "g"], "target": [120.0, 100.0, 0.0]})
    comp = indicators.completion(figures, targets, ind, H1).set_index("unit_id")
    assert comp.loc["a", "completion"] == 0.5 and comp.loc["b", "completion"] == 1.2
    assert pd.isna(comp.loc["c", "completion"])  # a zero target has no 完成率
    assert comp.loc["a", "progress_gap"] == pytest.approx(0.5 - 181 / 365)
    rows = indicators.scores(figures, comp.reset_index(), ind)
    s = rows.set_index(["unit_id", "indicator"])["score"]
    assert s["a", "growth"] == pytest.approx(100 * min(1, 0.5 / (181 / 365)))  # 100: ahead of 时序进度
    assert s["b", "growth"] == 100
    assert s["a", "size"] == 100 and s["b", "size"] == pytest.approx(200 / 3) and s["c", "size"] == pytest.approx(100 / 3)
    assert s["a", "errors"] == 100 and s["b", "errors"] == 50 and s["c", "errors"] == 0  # lower is better
    summary = indicators.summary(rows, ind).set_index("unit_id")
    assert summary.loc["a", "above_threshold"] == 3 and summary.loc["a", "full_marks"] == 3
    assert summary.loc["b", "full_marks"] == 1 and summary.loc["b", "composite"] == pytest.approx(50 + 25 * (2 / 3) + 12.5)


def test_rank_scores_count_only_outlets_open_the_whole_year():
    """A new outlet (not ranked) with the largest value used to take first place and push every
    sibling down one: now the siblings are ranked among themselves, and it is placed among them."""
    value = pd.Series([10.0, 5.0, 100.0, 1.0])
    group = pd.Series(["s", "s", "s", "t"])
    ranked = pd.Series([True, True, False, True])
    share = indicators.rank_share(value, group, ranked)
    assert share.tolist() == [1.0, 0.5, 1.0, 1.0]  # a first of 2, b second; c would stand first
    tie = indicators.rank_share(pd.Series([7.0, 7.0, 3.0]), pd.Series(["s"] * 3), pd.Series([True] * 3))
    assert tie.tolist() == [1.0, 1.0, 1 / 3]  # competition ranks: 1, 1, 3 of 3


def test_a_new_outlet_does_not_push_its_siblings_down_in_the_indicator_scores(tmp_path):
    ind = owner_indicators.load(
        _write(
            tmp_path,
            "full_marks: 100\nthreshold: 80\nindicators:\n  - {id: size, name: 规模, figure: size, scoring: rank, weight: 100}\n",
        )
    )
    figures = pd.DataFrame(
        {"unit_id": ["new", "b", "c"], "sub_branch_id": ["s"] * 3, "size": [9.0, 5.0, 1.0], "ranked": [False, True, True]}
    )
    comp = pd.DataFrame(columns=["unit_id", "indicator", "completion"])
    s = indicators.scores(figures, comp, ind).set_index("unit_id")["score"]
    assert s["b"] == 100 and s["c"] == 50  # was 66.7 and 33.3 with the new outlet counted first
    assert s["new"] == 100  # placed where its value stands among the ranked two
