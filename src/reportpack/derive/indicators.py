"""The comparable indicators (14项可比指标) and 完成率 against plan targets.

Which indicators, their weights, scoring and thresholds live in ``templates/indicators.yaml``;
this module only evaluates them. 完成率 = year-to-date actual ÷ the year's target; it is compared
with the outlet's 时序进度 (days elapsed ÷ days in the year, counted from the opening day for an
outlet opened during the year) in 个百分点.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportpack.derive.ratios import ratio
from reportpack.owner.indicators import IndicatorSet
from reportpack.periods import Period


def completion(figures: pd.DataFrame, targets: pd.DataFrame, indicators: IndicatorSet, period: Period) -> pd.DataFrame:
    """One row per outlet per target indicator: actual (year to date), target, 完成率, gap to 时序进度."""
    rows = []
    t = targets.set_index(["unit_id", "indicator"])["target"]
    for ind in indicators.indicators:
        if ind.scoring != "target":
            continue
        frame = figures[["unit_id", ind.figure, "time_progress"]].rename(columns={ind.figure: "actual"})
        frame["indicator"] = ind.id
        frame["name"] = ind.name
        frame["target"] = [t.get((u, ind.target), np.nan) for u in frame["unit_id"]]
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    out["completion"] = ratio(out["actual"], out["target"])
    # 时序进度 per outlet: from 1 January, or from the opening day of an outlet opened in the year
    out["progress_gap"] = out["completion"] - out["time_progress"]  # >0: 超序时进度
    return out


def scores(figures: pd.DataFrame, comp: pd.DataFrame, indicators: IndicatorSet) -> pd.DataFrame:
    """One row per outlet per indicator: value and score (0 … full marks)."""
    full = indicators.full_marks
    ranked = figures["ranked"].astype(bool) if "ranked" in figures else pd.Series(True, index=figures.index)
    parts = []
    for ind in indicators.indicators:
        value = figures[ind.figure]
        if ind.scoring == "target":
            c = comp[comp["indicator"] == ind.id].set_index("unit_id")["completion"].reindex(figures["unit_id"]).to_numpy()
            score = full * np.clip(c / figures["time_progress"].to_numpy(), 0, 1)
        elif ind.scoring == "rank":
            score = full * rank_share(value, figures["sub_branch_id"], ranked)
        else:
            span = ind.goal - ind.floor
            score = full * np.clip((value - ind.floor) / span, 0, 1)
        parts.append(
            pd.DataFrame(
                {
                    "unit_id": figures["unit_id"].to_numpy(),
                    "indicator": ind.id,
                    "name": ind.name,
                    "value": np.asarray(value, dtype=float),
                    "score": np.asarray(score, dtype=float),
                    "weight": ind.weight,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def rank_share(value: pd.Series, group: pd.Series, ranked: pd.Series) -> pd.Series:
    """(peers − rank + 1) ÷ peers within each group, where rank and peers count only the ``ranked``
    outlets (open the whole year to date). An outlet that is not ranked (new or closed) is placed
    where its value would stand among them, without pushing any of them down a place."""
    out = pd.Series(np.nan, index=value.index, dtype=float)
    for _, idx in value.groupby(group).groups.items():
        v, r = value.loc[idx], ranked.loc[idx]
        peers = np.sort(v[r].to_numpy(dtype=float))
        if len(peers) == 0:
            continue
        above = len(peers) - np.searchsorted(peers, v.to_numpy(dtype=float), side="right")  # strictly greater
        out.loc[idx] = (len(peers) - above) / len(peers)
    return out


def summary(score_rows: pd.DataFrame, indicators: IndicatorSet) -> pd.DataFrame:
    """Per outlet: how many indicators scored above the threshold, how many full marks, the
    weighted composite score (0 … full marks) — "14项可比指标中N项超过M分，K项满分"."""
    g = score_rows.groupby("unit_id", sort=False)
    return pd.DataFrame(
        {
            "indicators": g.size(),
            "above_threshold": g["score"].apply(lambda s: int((s > indicators.threshold).sum())),
            "full_marks": g["score"].apply(lambda s: int(np.isclose(s, indicators.full_marks).sum())),
            "composite": g.apply(lambda d: float((d["score"] * d["weight"]).sum() / d["weight"].sum()), include_groups=False),
        }
    ).reset_index()
