"""The one reader of owner files: every problem names file, line, field and rule, in English and Chinese."""

from typing import Annotated, Literal

import pytest
from pydantic import Field

from reportpack.errors import OwnerFileError
from reportpack.owner import files
from reportpack.owner.files import OwnerModel


class Item(OwnerModel):
    id: str
    size: Annotated[int, Field(strict=True, ge=1)]
    colour: Literal["red", "blue"] = "red"


class Doc(OwnerModel):
    items: list[Item]


LABEL = files.item_label({"items": "item"})


def _load(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "doc.yaml"
    path.write_bytes(text.encode(encoding))
    return path, files.load(path, Doc, label=LABEL)


@pytest.mark.parametrize(
    ("text", "english", "chinese"),
    [
        (
            "items:\n  - {id: a, size: 1}\n  - {id: b, size: 0}\n",
            "item b (line 3): size: Input should be greater than or equal to 1",
            "第3行（item b），字段 size：应不小于 1",
        ),
        (
            "items:\n  - {id: a, size: 1, colour: green}\n",
            "item a (line 2): colour: Input should be 'red' or 'blue'",
            "取值只能是 'red' 或 'blue'",
        ),
        (
            "items:\n  - {id: a, szie: 1}\n",
            "item a (line 2): szie: unknown key (allowed: id, size, colour)",
            "不认识的字段（请检查拼写）",
        ),
        ("items:\n  - {id: a}\n", "item a (line 2): size: required", "缺少必填项"),
        ("items:\n  - {id: a, size: '1'}\n", "size: Input should be a valid integer", "应填写整数"),
        ("items:\n  - id: a\n   size: 1\n", "line 3: not valid YAML", "不是有效的 YAML 格式"),
        ("items: {id: a}\n", "line 1: items: Input should be a valid list", "应为列表"),
    ],
)
def test_a_problem_is_named_in_english_and_chinese(tmp_path, text, english, chinese):
    with pytest.raises(OwnerFileError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert english in message and str(tmp_path / "doc.yaml") in message
    assert chinese in caught.value.chinese and caught.value.chinese in message


def test_a_file_saved_in_gbk_is_refused_naming_the_encoding(tmp_path):
    with pytest.raises(OwnerFileError, match="not UTF-8 text") as caught:
        _load(tmp_path, "items:\n  - {id: 网点, size: 1}\n", encoding="gbk")
    assert "请另存为 UTF-8" in caught.value.chinese


def test_a_missing_file_is_an_owner_error(tmp_path):
    with pytest.raises(OwnerFileError, match="no such file"):
        files.load(tmp_path / "absent.yaml", Doc)


def test_a_file_is_parsed_once_while_unchanged(tmp_path):
    calls = []

    @files.once_per_version
    def parse(path):
        calls.append(path)
        return path.read_text()

    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n")
    assert parse(path) == parse(path) == "a: 1\n"
    assert len(calls) == 1
    path.write_text("a: 22\n")  # changed (size differs): read again
    assert parse(path) == "a: 22\n" and len(calls) == 2
