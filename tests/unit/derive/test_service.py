"""Lobby and 6S figures (篇三) from tiny inline frames, computed by hand."""

import math

import pandas as pd

from reportpack.derive.service import lobby_figures


def _frames(six_s_rows):
    lobby = pd.DataFrame(
        {
            "unit_id": ["O1", "O2"],
            "opening_hours": [1000, 0],
            "complaints": [4, 0],
            "valid_complaints": [1, 0],
            "resolved_first_contact": [3, 0],
        }
    )
    business = pd.DataFrame({"unit_id": ["O2", "O1"], "total_transactions": [50000, 20000]})  # another order on purpose
    tellers = pd.DataFrame({"unit_id": ["O1", "O1"], "staff_id": ["T1", "T2"], "transactions": [7000, 5000]})
    six_s = pd.DataFrame(six_s_rows, columns=["unit_id", "dimension", "score"])
    return {"lobby": lobby, "outlet_business": business, "six_s": six_s, "tellers": tellers}


def test_complaint_rates_per_10000_transactions_of_the_outlet_and_first_contact_rate():
    out = lobby_figures(_frames([("O1", "整理", 90.0)])).set_index("unit_id")
    assert out.loc["O1", "complaint_rate_per_10k"] == 2.0  # 4 in 20,000
    assert out.loc["O1", "valid_complaint_rate_per_10k"] == 0.5
    assert out.loc["O1", "first_contact_rate"] == 0.75
    assert out.loc["O2", "complaint_rate_per_10k"] == 0.0
    assert math.isnan(out.loc["O2", "first_contact_rate"])  # no complaint: no rate to quote
    assert out.loc["O1", "transactions_per_hour"] == 12.0  # its tellers' 12,000 in 1,000 hours
    assert math.isnan(out.loc["O2", "transactions_per_hour"])  # never open: no rate


def test_six_s_by_dimension_with_weakest_and_strongest_and_none_without_inspections():
    rows = [("O1", "整理", 90.0), ("O1", "素养", 78.0), ("O1", "安全", 95.0)]
    out = lobby_figures(_frames(rows)).set_index("unit_id")
    assert out.loc["O1", "six_s_素养"] == 78.0
    assert out.loc["O1", "six_s_weakest"] == "素养" and out.loc["O1", "six_s_strongest"] == "安全"
    assert pd.isna(out.loc["O2", "six_s_weakest"]) and pd.isna(out.loc["O2", "six_s_整理"])
    assert "six_s_清扫" not in out.columns  # a dimension nobody inspected is not invented
