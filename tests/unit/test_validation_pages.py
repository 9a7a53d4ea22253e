"""The validation pages (publish.validation_pages): every rule in Chinese, what broke it, offline."""

import json
import re
from pathlib import Path

from reportpack.publish import validation_pages

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _item(kind, kwargs, success=True, severity="critical", meta=None, result=None):
    return {
        "success": success,
        "expectation_config": {"type": kind, "kwargs": {"batch_id": "b", **kwargs}, "meta": meta or {}, "severity": severity},
        "result": result or {},
        "exception_info": {"raised_exception": False},
    }


def test_each_rule_is_described_in_chinese_with_what_broke_it(tmp_path):
    folder = tmp_path / "validation"
    (folder / "source").mkdir(parents=True)
    lobby = {
        "results": [
            _item("expect_column_values_to_not_be_null", {"column": "unit_id"}),
            _item("expect_column_values_to_be_between", {"column": "service_score", "min_value": 0.0, "max_value": 100.0}),
            _item(
                "expect_column_values_to_be_between",
                {"column": "referrals", "min_value": 0.0, "max_value": None},
                success=False,
                severity="warning",
                result={"unexpected_count": 2, "element_count": 22, "partial_unexpected_list": [-3, -1]},
            ),
            _item(
                "expect_column_pair_values_a_to_be_greater_than_b",
                {"column_A": "complaints", "column_B": "valid_complaints", "or_equal": True},
            ),
        ]
    }
    (folder / "lobby.json").write_text(json.dumps(lobby), "utf-8")
    source = {"results": [_item("expect_column_values_to_not_be_null", {"column": "x"}, meta={"rule_zh": "余额不得为空"})]}
    (folder / "source" / "daily_balance.json").write_text(json.dumps(source), "utf-8")
    (folder / "summary.json").write_text("{}", "utf-8")  # not a suite

    assert validation_pages.write(tmp_path, TEMPLATES, "passed with warnings") == "validation/index.html"
    index = (folder / "index.html").read_text("utf-8")
    assert "数据校验结果：通过，有提示" in index and "1条未通过（最高级别：警告）" in index and "summary" not in index
    assert index.index("source/daily_balance.html") < index.index('"lobby.html"')  # the warehouse's tables first
    page = re.sub(r"\s+", " ", (folder / "lobby.html").read_text("utf-8"))
    assert "unit_id 不得为空" in page and "service_score 应在 0 至 100 之间" in page
    assert "referrals 不得小于 0" in page and "2 / 22" in page and "例如 <code>-3，-1</code>" in page
    assert "complaints 应大于或等于 valid_complaints" in page
    assert "余额不得为空" in (folder / "source" / "daily_balance.html").read_text("utf-8")  # the rule's own words
    for html in folder.rglob("*.html"):
        text = html.read_text("utf-8")
        assert "http" not in text and "<script" not in text
        assert all(
            (html.parent / href).resolve().is_file() for href in re.findall(r'href="([^"]+)"', text) if href != "../index.html"
        )


def test_a_pack_without_validation_results_has_no_pages(tmp_path):
    assert validation_pages.write(tmp_path, TEMPLATES, "passed") is None
