"""Confidentiality figures (篇七): pledge and training coverage, risks fixed, incidents."""

from __future__ import annotations

import pandas as pd

from reportpack.derive.ratios import ratio


def confidentiality_figures(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The bank's one row: 承诺书签订率, 培训覆盖率, 隐患整改率."""
    c = frames["confidentiality"].copy()
    c["pledge_rate"] = ratio(c["pledged"], c["staff_in_post"])
    c["training_coverage"] = ratio(c["trained"], c["staff_in_post"])
    c["fix_rate"] = ratio(c["risks_fixed"], c["risks_found"])
    return c
