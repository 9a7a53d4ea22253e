"""Safe ratios shared by the figure modules: a zero or missing denominator gives NaN, never inf."""

from __future__ import annotations

import pandas as pd


def ratio(numerator, denominator):
    """numerator ÷ denominator; NaN where the denominator is zero or missing."""
    if isinstance(denominator, pd.Series):
        return numerator / denominator.where(denominator != 0)
    return numerator / denominator if denominator else float("nan")


def per_10k(events, volume):
    """Events per 10,000 (e.g. errors per 10,000 transactions)."""
    return ratio(events * 10_000, volume)  # multiply first: 3 per 10,000 stays exactly 3.0
