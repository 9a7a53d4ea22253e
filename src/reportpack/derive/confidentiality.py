"""Confidentiality figures (篇七): pledge and training coverage, risks fixed, incidents."""

from __future__ import annotations

import pandas as pd

from reportpack.derive.ratios import ratio


def confidentiality_figures(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The bank's one row: 承诺书签订率, 培训覆盖率, 隐患整改率, and the staff not yet pledged or
    trained and the risks not yet fixed."""
    c = frames["confidentiality"].copy()
    c["pledge_rate"] = ratio(c["pledged"], c["staff_in_post"])
    c["training_coverage"] = ratio(c["trained"], c["staff_in_post"])
    c["fix_rate"] = ratio(c["risks_fixed"], c["risks_found"])
    # what the plan asks of whom: those still to sign, to train, the risks still open
    c["unpledged"] = (c["staff_in_post"] - c["pledged"]).clip(lower=0)
    c["untrained"] = (c["staff_in_post"] - c["trained"]).clip(lower=0)
    c["risks_open"] = (c["risks_found"] - c["risks_fixed"]).clip(lower=0)
    return c
