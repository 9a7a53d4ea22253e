"""Which subjects get a document of a part: a plan for the next period only for those still there."""

from reportpack.derive.subjects import Subject
from reportpack.owner.packdef import Part
from reportpack.render.documents import part_subjects


def _subject(key: str, active: bool) -> Subject:
    return Subject(key, key, key, "S1", "城东支行", {}, grouped=True, active=active)


SUBJECTS = {"outlet": [_subject("open", True), _subject("closed", False)]}


def test_a_summary_covers_every_subject_of_the_period_a_plan_only_those_there_at_its_end():
    summary = Part("outlet_half_year_summary", "网点工作总结", "t.md.j2", "outlet", "outlets")
    plan = Part("lobby_plan", "大堂管理工作计划", "t.md.j2", "outlet", "lobby_plans", at_period_end=True)
    assert [s.key for s in part_subjects(summary, SUBJECTS)] == ["open", "closed"]
    assert [s.key for s in part_subjects(plan, SUBJECTS)] == ["open"]
