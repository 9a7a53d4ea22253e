"""The default pack reopened as a reader would: every kind, numbering by level, the 篇 sequence of
each compilation, charts, owner input in place, and nothing a reader must never see."""

import re
import shutil
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from docx import Document

from reportpack import pipeline
from reportpack import settings as settings_mod
from reportpack.owner import packdef
from reportpack.publish import pack
from reportpack.render.wording import cn_numeral

pytestmark = pytest.mark.slow  # builds whole packs: make test, not make test-fast

ROOT = Path(__file__).resolve().parents[2]
LEFTOVER = re.compile(r"xxx|\{\{|\}\}|\{%|(?<![A-Za-z])(?:None|nan)(?![A-Za-z])", re.IGNORECASE)
OWNER_UNIT = "BR01-S001-O00001"


@pytest.fixture(scope="module")
def built(sample_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pack")
    warehouse = tmp / "wh.sqlite"
    shutil.copyfile(sample_url.removeprefix("sqlite:///"), warehouse)
    (tmp / "inputs" / "2023H1").mkdir(parents=True)
    (tmp / "inputs" / "2023H1" / "城东支行.yaml").write_text(
        f"- document: outlet_half_year_summary\n  unit: {OWNER_UNIT}\n  section: work_done\n"
        "  text: 承办“春天行动”营销竞赛，新增代发单位两家。\n"
        "- document: confidentiality_plan\n  section: measures\n  text: 年内开展一次保密知识竞赛。\n"
        f"- document: outlet_half_year_summary\n  unit: {OWNER_UNIT}\n  section: party_building\n"
        "  text: 网点党支部上半年开展主题教育专题学习6次。\n",
        "utf-8",
    )
    s = settings_mod.load(
        {
            "REPORTPACK_HOME": str(ROOT),
            "REPORTPACK_WAREHOUSE_URL": f"sqlite:///{warehouse}",
            "REPORTPACK_OUTPUT_DIR": str(tmp / "out"),
            "REPORTPACK_INPUT_DIR": str(tmp / "inputs"),
        }
    )
    target = pipeline.run_all(s, "2023H1", "structure")
    return target, pack.read_manifest(target), warehouse


def _docx(manifest, kind=None):
    """The report documents (not the pack's own 变更说明, kind "changes": no chart, no numbered sections)."""
    return [
        f["path"]
        for f in manifest["files"]
        if f["path"].endswith(".docx") and f["kind"] != "changes" and (kind is None or f["kind"] == kind)
    ]


def _texts(doc) -> list[str]:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return [p.text for p in doc.paragraphs] + cells


def test_targets_csv_opens_in_excel_with_its_chinese_names(built):
    """Excel and WPS read a CSV in the machine's code page unless it starts with a UTF-8 BOM."""
    raw = (built[0] / "targets.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "对公存款较年初新增" in raw.decode("utf-8-sig")


def test_every_kind_of_the_pack_definition_is_there(built, sample_figures):
    _, manifest, _ = built
    definition = packdef.load(packdef.path_of(ROOT / "templates", "half_year"), ROOT / "templates")
    counts = {p.kind: len(_docx(manifest, p.kind)) for p in definition.parts}
    outlets, tellers = sample_figures["outlets"], sample_figures["tellers"]
    open_at_end = set(outlets.loc[outlets["closed_in_period"].isna(), "unit_id"])
    in_post = tellers[(tellers["in_post_at_period_end"] == 1) & tellers["unit_id"].isin(open_at_end)]
    assert len(open_at_end) < len(outlets) and len(in_post) < len(tellers), "the sample should close an outlet in 2023H1"
    assert counts == {
        "ops_manager_summary": len(sample_figures["ops_managers"]),
        "outlet_half_year_summary": len(outlets),  # a closed outlet still reports its half year …
        "lobby_plan": len(open_at_end),  # … but plans nothing for the next one
        "accounting_plan": len(sample_figures["sub_branches"]),
        "finance_plan": len(sample_figures["sub_branches"]),
        "teller_plan": len(in_post),  # nor does a teller who has left
        "confidentiality_plan": 1,
    }
    assert len(_docx(manifest, "compilation")) == len(sample_figures["sub_branches"])
    assert manifest["pack"] == "half_year" and manifest["inputs"] == ["城东支行.yaml"]
    assert (built[0] / "inputs" / "城东支行.yaml").exists()  # what the owner gave travels with the pack


def _check_numbering(path: str, doc) -> None:
    expected = {1: 0, 2: 0, 3: 0, 4: 0}
    for p in doc.paragraphs:
        name = p.style.name
        if name == "Title":  # a compilation numbers each part afresh
            expected = {1: 0, 2: 0, 3: 0, 4: 0}
        name = name.removeprefix("Compilation ")  # a compilation's headings, one outline level deeper
        if not name.startswith("Heading "):
            continue
        level = int(name[-1])
        expected[level] += 1
        for deeper in range(level + 1, 5):
            expected[deeper] = 0
        n = expected[level]
        label = {1: f"{cn_numeral(n)}、", 2: f"（{cn_numeral(n)}）", 3: f"{n}.", 4: f"（{n}）"}[level]
        assert p.text.startswith(label), (path, p.text, label)


def test_documents_number_by_level_carry_a_chart_and_hide_nothing_raw(built):
    target, manifest, _ = built
    for rel in _docx(manifest):
        doc = Document(str(target / rel))
        _check_numbering(rel, doc)
        leftovers = [t for t in _texts(doc) if LEFTOVER.search(t)]
        assert not leftovers, (rel, leftovers[:3])
        assert len(doc.inline_shapes) >= 1, rel
        assert doc.paragraphs[-1].style.name == "Signature", rel


def test_each_compilation_is_one_document_its_parts_the_kinds_in_definition_order(built):
    target, manifest, _ = built
    definition = packdef.load(packdef.path_of(ROOT / "templates", "half_year"), ROOT / "templates")
    for rel in _docx(manifest, "compilation"):
        doc = Document(str(target / rel))
        cover = doc.paragraphs[0]
        m = re.fullmatch(r"2023年上半年\n江城银行滨江分行(.+支行)\n工作总结与计划（汇总(\d+)篇）", cover.text)
        assert cover.style.name == "Cover Title" and m, cover.text
        assert Path(rel).stem == cover.text.replace("\n", "")
        sub = m.group(1)
        # one part per kind, in the definition's (the seed's) order, each holding that kind's documents
        grouped: list[tuple[str, list[str]]] = []
        for p in doc.paragraphs:
            if p.style.name == "Subtitle":
                grouped.append((p.text, []))
            elif p.style.name == "Title" and grouped:
                grouped[-1][1].append(p.text.replace("\n", ""))
        assert [name for name, _ in grouped] == [f"篇{cn_numeral(i)}　{part.name}" for i, part in enumerate(definition.parts, 1)]
        assert int(m.group(2)) == len(grouped)
        for part, (_, titles) in zip(definition.parts, grouped, strict=True):
            mine = [d for d in _docx(manifest, part.kind) if sub in d or part.subject == "bank"]
            expected = [Document(str(target / d)).paragraphs[0].text.replace("\n", "") for d in mine]
            if part.condensed:  # one summary stands for them: every teller of the sub-branch, in its tables
                assert titles == [f"{sub}柜员2023年下半年个人工作计划汇总"], titles
                # a teller's plan is titled by outlet and post; the teller signs it (柜员：姓名)
                signed = [p.text for d in mine for p in Document(str(target / d)).paragraphs if p.style.name == "Signature"]
                names = {t.removeprefix("柜员：") for t in signed if t.startswith("柜员：")}
                assert len(names) == len(mine) and all(t.endswith("柜员2023年下半年个人工作计划") for t in expected), sub
                listed = [row.cells[0].text for table in doc.tables for row in table.rows[1:] if table.cell(0, 0).text == "柜员"]
                assert sorted(listed) == sorted(names) and len(names) > 20, sub
            else:
                assert sorted(titles) == sorted(expected), (sub, part.kind)  # in unit order, not file-name order
        # the 目录 lists the foreword, then every part and document, each with a page number
        entries = [p.text for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
        listed = ["编印说明"] + [t for name, titles in grouped for t in (name, *titles)]
        assert [e.rsplit("\t", 1)[0] for e in entries] == listed
        pages = [int(e.rsplit("\t", 1)[1]) for e in entries] if shutil.which("soffice") else []
        assert pages == sorted(pages) and (not pages or pages[0] == 1)


def test_owner_input_lands_in_the_named_document_only(built):
    target, manifest, _ = built
    (mine,) = [p for p in _docx(manifest, "outlet_half_year_summary") if OWNER_UNIT in p]
    texts = [p.text for p in Document(str(target / mine)).paragraphs]
    # (its owner also wrote 坚持党建引领, which comes first: the numbers move on by one)
    work, problems = texts.index("三、主要工作及成效"), texts.index("四、存在的问题")
    hits = [i for i, t in enumerate(texts) if "承办“春天行动”营销竞赛" in t]
    assert len(hits) == 1 and work < hits[0] < problems
    other = next(p for p in _docx(manifest, "outlet_half_year_summary") if OWNER_UNIT not in p)
    assert not any("春天行动" in t for t in _texts(Document(str(target / other))))
    (bank,) = _docx(manifest, "confidentiality_plan")
    assert any(t.endswith("年内开展一次保密知识竞赛。") for t in _texts(Document(str(target / bank))))
    # findings.json shows it as the owner's, with the file and entry it came from, in that document only
    import json

    findings = json.loads((target / "findings.json").read_text("utf-8"))
    owned = {rel: [f for f in items if f["category"] == "负责人"] for rel, items in findings.items()}
    assert [f["text"] for f in owned[mine]] == [
        "承办“春天行动”营销竞赛，新增代发单位两家。",
        "网点党支部上半年开展主题教育专题学习6次。",
    ]
    assert owned[mine][0]["rule"] == "owner:城东支行.yaml entry 1" and owned[mine][0]["topic"] == "work_done"
    assert owned[mine][1]["rule"] == "owner:城东支行.yaml entry 3" and owned[mine][1]["topic"] == "party_building"
    assert [f["text"] for f in owned[bank]] == ["年内开展一次保密知识竞赛。"]
    assert not owned[other]


def test_manifest_records_source_and_every_file_with_its_hash(built):
    target, m, warehouse = built
    assert m["source"]["url"] == f"sqlite:///{warehouse}" and m["source"]["rows"]["outlets"] == 22
    assert m["validation"]["status"] == "passed" and m["approval"]["status"] == "unattended"  # nobody was asked
    assert m["approval"]["by"] is None
    for f in m["files"]:
        assert pack.sha256_file(target / f["path"]) == f["sha256"]
    on_disk = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == {f["path"] for f in m["files"]}
    # the validation results as pages in Chinese, offline: an index of both layers, a page per suite
    index = (target / "validation" / "index.html").read_text("utf-8")
    assert "数据校验结果：全部通过" in index and 'href="outlet_balances.html"' in index
    assert 'href="source/daily_balance.html"' in index  # the warehouse tables, checked where they live
    page = (target / "validation" / "outlet_balances.html").read_text("utf-8")
    assert "unit_id 不得为空" in page and "通过" in page and "未通过" not in page
    assert "corporate_deposit 不得为负" in (target / "validation" / "source" / "daily_balance.html").read_text("utf-8")
    for html in (target / "validation").rglob("*.html"):  # offline: nothing from the network, every link resolves
        text = html.read_text("utf-8")
        assert "http" not in text and "<script" not in text, html
        for href in re.findall(r'href="([^"]+)"', text):
            assert (html.parent / unquote(href)).resolve().is_file(), (html, href)


def test_each_compilation_has_a_cover_thumbnail_on_the_index_page(built):
    from tests.conftest import require_tool

    require_tool("soffice", "pdftoppm")  # the 目录's page numbers come from LibreOffice's layout, the cover with them
    target, m, _ = built
    compilations = sorted(f["path"] for f in m["files"] if f["kind"] == "compilation")
    thumbs = sorted(f["path"] for f in m["files"] if f["kind"] == "thumbnail")
    assert thumbs == sorted(f"thumbnails/{c.removesuffix('.docx')}.png" for c in compilations)
    assert all((target / t).read_bytes().startswith(b"\x89PNG") for t in thumbs)
    page = (target / "index.html").read_text("utf-8")
    assert all(f'src="{quote(t)}"' in page for t in thumbs)


def test_libreoffice_opens_one_document_of_each_kind_in_chinese_faces(built, tmp_path):
    import subprocess

    from reportpack.render.pdf import to_pdf
    from tests.conftest import require_tool

    require_tool("soffice", "pdffonts")
    target, manifest, _ = built
    kinds = sorted({f["kind"] for f in manifest["files"] if f["path"].endswith(".docx")} - {"changes"})
    # each kind's first document, named after its kind (an accounting and a finance plan share their
    # sub-branch's name: LibreOffice would write both to one PDF)
    picks = [tmp_path / f"{kind}.docx" for kind in kinds]
    for kind, pick in zip(kinds, picks, strict=True):
        shutil.copyfile(target / _docx(manifest, kind)[0], pick)
    pdfs = to_pdf(picks, tmp_path / "pdf", ROOT / "templates" / "fonts" / "fonts.conf")
    for pdf in pdfs:
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), pdf.name
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        # 仿宋 → AR PL UMing, 楷体 → AR PL UKai, 小标宋 → Noto Serif CJK, 黑体 → Noto Sans CJK
        for face in ("UMingCN", "UKaiCN", "NotoSerifCJK", "NotoSansCJK"):
            assert face in fonts, (pdf.name, face, fonts)


def test_problems_are_drafted_from_the_data_and_differ_between_outlets(built):
    import json

    target, manifest, _ = built
    findings = json.loads((target / "findings.json").read_text("utf-8"))
    problem_sets = []
    handed = 0
    for rel in _docx(manifest, "outlet_half_year_summary"):
        texts = [p.text for p in Document(str(target / rel)).paragraphs]
        if "三、撤并及移交情况" in texts:  # a closed outlet: its problems pass to the receiving outlet
            handed_to = texts[texts.index("三、撤并及移交情况") + 1]
            assert "存在的问题" in handed_to and not any(t == "三、存在的问题" for t in texts)
            continue
        start = next(i for i, t in enumerate(texts) if t.endswith("、存在的问题"))  # 四、 where an owner wrote 党建
        end = next(i for i, t in enumerate(texts) if i > start and re.match("[一二三四五六七]、", t))
        problems = texts[start + 1 : end]
        drafted = [f for f in findings[rel] if f["category"] == "问题"]
        # every drafted problem is printed as 一是…二是… in rule order, and explained by its rule and figures
        # a list of one carries no label (一是 with no 二是 is a slip); a closed outlet's, handed over, after its own
        labels = [f"{'一二三四五六七'[i]}是" for i in range(len(drafted))] if len(problems) > 1 else [""]
        printed = [
            label + (f"原{f['about']}（已撤并，账户由本网点承接）：" if f.get("about") else "") + f["text"]
            for label, f in zip(labels, drafted)
        ]
        assert [p for p in problems if "春天行动" not in p] == printed
        assert all(f["rule"] and (f["figures"] or f["rule"] == "customer_managers") for f in drafted)
        # the drafted sentences (a heading's word may repeat: 公司类指标 and 个金类指标 both （截至撤并日）)
        said = [f["text"] for f in findings[rel] if f["category"] not in ("判断", "校对", "标题")]
        assert len(set(said)) == len(said)  # nothing said twice
        problem_sets.append(tuple(f["rule"] for f in drafted))
        # of a closed outlet's problems, its receiving outlet prints the most urgent few (commentary.yaml
        # handed_over_problems), not all four beside its own four
        taken = [f["about"] for f in drafted if f.get("about")]
        assert all(taken.count(name) <= 2 for name in taken), (rel, taken)
        handed += len(taken)
    assert handed, "no receiving outlet printed a closed outlet's problems"
    assert len(set(problem_sets)) >= len(problem_sets) // 2, problem_sets  # outlets differ by their figures


def test_findings_json_lists_only_what_the_document_prints(built):
    """Every drafted 下一步 sentence is printed in section 四; a closed outlet prints none (no plan for
    the next half year), so findings.json lists none for it either."""
    import json

    target, manifest, _ = built
    findings = json.loads((target / "findings.json").read_text("utf-8"))
    closed = 0
    for rel in _docx(manifest, "outlet_half_year_summary"):
        body = "\n".join(p.text for p in Document(str(target / rel)).paragraphs)
        nexts = [f["text"] for f in findings[rel] if f["category"] == "下一步"]
        assert all(t in body for t in nexts), rel
        if "不再制定下半年工作计划和目标" in body:
            closed += 1
            assert nexts == [], rel
    assert closed == 1  # 胜利路网点


def test_findings_json_records_the_verdicts_a_document_chose_its_words_by(built):
    """Each teller plan's findings carry the verdicts its template read (templates/verdicts.yaml), with
    the figures compared and the threshold; the words printed follow them."""
    import json

    target, manifest, _ = built
    findings = json.loads((target / "findings.json").read_text("utf-8"))
    words = {"above": "高于本网点平均", "equal": "与本网点平均", "below": "低于本网点平均"}
    plans = _docx(manifest, "teller_plan")
    for rel in plans:
        verdicts = {f["topic"]: f for f in findings[rel] if f["category"] == "判断"}
        score = verdicts["score_vs_outlet"]
        assert set(score["figures"]) == {"t.appraisal_score", "t.outlet_average_score", "digits", "tolerance", "margin"}
        said = score["text"].split(" = ")[1]
        body = Document(str(target / rel)).paragraphs[1].text
        assert words[said] in body, (rel, said, body)
    assert len(plans) > 50
    # an outlet summary's plan rows (r in plan) are recorded row by row, each named by its target
    rows = [
        f["text"]
        for rel in _docx(manifest, "outlet_half_year_summary")
        for f in findings[rel]
        if f["topic"] == "actual_direction"
    ]
    assert rows and all(t.startswith("r[") and t.split(" = ")[1] in ("rising", "flat", "falling") for t in rows)


@pytest.fixture(scope="module")
def laid_out(built, tmp_path_factory):
    """The largest compilation as LibreOffice prints it: its path in the pack, the text of each page
    (as laid out) and its lines in reading order."""
    import subprocess

    from reportpack.render.pdf import to_pdf
    from tests.conftest import require_tool

    require_tool("soffice", "pdftotext")
    target, manifest, _ = built
    rel = max(_docx(manifest, "compilation"), key=lambda r: (target / r).stat().st_size)
    (pdf,) = to_pdf([target / rel], tmp_path_factory.mktemp("pdf"), ROOT / "templates" / "fonts" / "fonts.conf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    lines = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.splitlines()
    return rel, text.split("\f")[:-1], [line.strip() for line in lines if line.strip()]


@pytest.mark.libreoffice
def test_the_contents_give_the_page_libreoffice_prints_each_part_and_document_on(built, laid_out):
    """The 目录's page numbers are the printed ones: the page footed "— n —" carries the entry's title;
    the cover and the 目录 itself carry no page number."""
    target, _, _ = built
    rel, pages, _ = laid_out
    entries = [p.text.rsplit("\t", 1) for p in Document(str(target / rel)).paragraphs if p.style.name in ("toc 1", "toc 2")]
    footers = [re.search(r"—\s*(\d+)\s*—\s*$", page.strip()) for page in pages]
    front = footers.index(next(f for f in footers if f))
    assert front >= 2 and not any(footers[:front]) and all(footers[front:])  # cover and 目录 unnumbered
    printed = {int(f.group(1)): re.sub(r"\s+", "", page) for f, page in zip(footers[front:], pages[front:], strict=True)}
    assert sorted(printed) == list(range(1, len(printed) + 1))
    assert len(entries) > 20
    for title, page in entries:
        assert re.sub(r"\s+", "", title) in printed[int(page)], (title, page)


@pytest.mark.libreoffice
def test_every_compilations_contents_match_its_layout_with_the_charts_drawn(built, tmp_path):
    """The 目录 is numbered from a layout with a blank picture in each chart's place (a third of the
    cost); laid out as published, charts drawn, every entry is on the page the 目录 gives."""
    from reportpack.render import pdf
    from tests.conftest import require_tool

    require_tool("soffice")
    target, manifest, _ = built
    rels = _docx(manifest, "compilation")
    made = pdf.to_pdf([target / r for r in rels], tmp_path, ROOT / "templates" / "fonts" / "fonts.conf", workers=2)
    for rel, laid in zip(rels, made, strict=True):
        written = []
        for p in Document(str(target / rel)).paragraphs:
            if p.style.name in ("toc 1", "toc 2"):
                title, page = p.text.rsplit("\t", 1)
                written.append((re.sub(r"\s+", "", title), int(page)))
        printed = iter([(re.sub(r"\s+", "", title), page) for title, page in pdf.outline(laid)])
        offsets = set()
        for title, page in written:  # each entry, in order, against the next bookmark of that title
            physical = next(p for t, p in printed if t == title)
            offsets.add(physical - page)
        assert len(written) > 20 and len(offsets) == 1 and offsets.pop() >= 2, (rel, offsets)  # cover and 目录 before page 1


@pytest.mark.libreoffice
def test_no_number_is_split_across_lines(laid_out):
    """ "530./68万元" or "9/0%" at a line end: LibreOffice breaks inside numbers when Latin text is
    tagged zh-CN (styles.py tags it en-US, the Chinese text zh-CN)."""
    _, _, lines = laid_out
    # a line of running text (not a table cell holding a bare number) ending inside a number
    split = [
        (a[-10:], b[:10])
        for a, b in zip(lines, lines[1:], strict=False)
        if re.search(r"[\u4e00-\u9fff].*\d\.?$", a) and re.match(r"[\d.%]", b)
    ]
    assert len(lines) > 1000 and not split, split[:5]


def _amount(text: str) -> float:
    """ "1.70亿元" / "530.68万元" / "89.68%" / "每万笔0.57笔" → a number on one scale per unit."""
    number = float(re.search(r"-?[\d.]+", text).group(0))
    return number * (1e8 if "亿元" in text else 1e4 if "万元" in text else 1)


def test_next_targets_are_never_below_what_was_achieved_and_the_text_quotes_the_table(built):
    """One stored target per indicator: the plan's table and its sentences print the same figure, and
    a target for more (不低于) is never below the half year's actual."""
    target, manifest, _ = built
    checked = quoted = 0
    for rel in _docx(manifest, "outlet_half_year_summary"):
        doc = Document(str(target / rel))
        # (a new outlet's actual is 开业以来)
        plans = [
            t
            for t in doc.tables
            if [c.text for c in t.rows[0].cells] in (["目标项目", f"{a}实际", "下半年目标"] for a in ("上半年", "开业以来"))
        ]
        rows = [[c.text for c in r.cells] for t in plans for r in t.rows[1:]]
        for name, actual, goal in rows:
            if goal.startswith("不低于") and actual != "—":
                assert _amount(goal) >= _amount(actual) - 1e-9, (rel, name, actual, goal)
                checked += 1
        body = "\n".join(p.text for p in doc.paragraphs)
        if m := re.search(r"力争差错率回落到每万笔([\d.]+)笔以下", body):
            (goal,) = [g for n, _, g in rows if n == "柜面业务差错率"]
            assert goal == f"不高于每万笔{m.group(1)}笔", (rel, goal)
            quoted += 1
    assert checked > 20 and quoted >= 3
    # a manager's next step names the same target as the outlet's plan (one target, two documents)
    goals = {}
    for rel in _docx(manifest, "outlet_half_year_summary"):
        for table in Document(str(target / rel)).tables:
            for row in table.rows[1:]:
                if row.cells[0].text == "柜面业务差错率":
                    goals[Path(rel).name.split("_")[0]] = row.cells[-1].text
    named = 0
    for rel in _docx(manifest, "ops_manager_summary"):
        body = "\n".join(p.text for p in Document(str(target / rel)).paragraphs)
        if m := re.search(r"降到网点下半年目标每万笔([\d.]+)笔以下", body):
            assert goals[Path(rel).name.split("_")[0]] == f"不高于每万笔{m.group(1)}笔", rel
            named += 1
    assert named >= 2


def test_completion_rates_are_in_a_plausible_range(built):
    """Plans and targets on one base give rates a bank would see: none of the 411–1,233 % the
    independent sample targets produced (13 of 60 above 200 %)."""
    target, manifest, _ = built
    last_period, annual = [], []
    for rel in _docx(manifest, "outlet_half_year_summary"):
        body = "\n".join(p.text for p in Document(str(target / rel)).paragraphs)
        last_period += [float(m) for m in re.findall(r"完成目标的([\d.]+)%", body)]
        annual += [float(m) for m in re.findall(r"新增完成年度计划的([\d.]+)%", body)]
    # two amounts per outlet with last period's targets (a rate's target is met or not: no 完成率)
    assert len(last_period) > 30 and len(annual) > 20
    assert max(last_period) <= 200 and max(annual) <= 150, (sorted(last_period)[-5:], sorted(annual)[-5:])


def _one_of_each_kind(manifest) -> dict[str, str]:
    """One Word document of each kind of the pack, the compilation and the 变更说明 included."""
    out: dict[str, str] = {}
    for f in manifest["files"]:
        if f["path"].endswith(".docx"):
            out.setdefault(f["kind"], f["path"])
    return out


def test_every_part_word_reads_is_schema_valid(built):
    """Issue #32: Word and WPS read a part by its schema, where the order of child elements is part of
    the contract. A validator we did not write (openxml-audit, the Office 2016 schemas) reads every
    part of one document of each kind, a compilation and the changes report."""
    from openxml_audit import FileFormat, OpenXmlValidator

    target, manifest, _ = built
    documents = _one_of_each_kind(manifest)
    assert {"compilation", "changes", "outlet_half_year_summary", "teller_plan"} <= set(documents)
    validator = OpenXmlValidator(FileFormat.OFFICE_2016)
    found = {
        kind: [f"{e.part_uri} {e.path}: {e.description}" for e in validator.validate(str(target / rel)).errors]
        for kind, rel in documents.items()
    }
    assert found == {kind: [] for kind in documents}


def test_an_element_out_of_its_place_is_found(built, tmp_path):
    """The check can fail: the Normal style's character spacing moved after w:lang (where it was
    before #32) is found by the validator and by our own order check (render/schema_order.py), which
    also reads every part our fast writer made."""
    import zipfile

    from lxml import etree
    from openxml_audit import FileFormat, OpenXmlValidator

    from reportpack.render import schema_order

    target, manifest, _ = built
    for kind, rel in _one_of_each_kind(manifest).items():  # every part we wrote keeps the schema's order
        with zipfile.ZipFile(target / rel) as z:
            for name in z.namelist():
                if name.endswith(".xml") and name.startswith("word/"):
                    assert schema_order.misplaced(etree.fromstring(z.read(name))) == [], (kind, name)
    source = target / _one_of_each_kind(manifest)["accounting_plan"]
    with zipfile.ZipFile(source) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    styles = etree.fromstring(parts["word/styles.xml"])
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    normal = next(s for s in styles.iter(f"{w}style") if s.get(f"{w}styleId") == "Normal")
    rpr = normal.find(f"{w}rPr")
    rpr.append(rpr.find(f"{w}spacing"))  # after w:lang
    assert schema_order.misplaced(styles) == ["w:rPr: w:spacing after w:lang"]
    moved = tmp_path / "moved.docx"
    with zipfile.ZipFile(moved, "w") as z:
        for name, data in parts.items():
            z.writestr(
                name,
                etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)
                if name == "word/styles.xml"
                else data,
            )
    errors = OpenXmlValidator(FileFormat.OFFICE_2016).validate(str(moved)).errors
    assert [(e.part_uri, e.description) for e in errors] == [("/word/styles.xml", "Unexpected element 'spacing' found")]


def test_a_second_reader_finds_the_text_we_read(built):
    """Issue #32: the text of each kind as mammoth reads it (another docx reader than python-docx and
    our proofreader's) is the text our reader finds, paragraph for paragraph and cell for cell — so a
    paragraph only our own reader sees cannot pass."""
    import mammoth

    from reportpack.render import proofread

    target, manifest, _ = built
    for kind, rel in _one_of_each_kind(manifest).items():
        with open(target / rel, "rb") as f:
            theirs = [p.strip() for p in mammoth.extract_raw_text(f).value.split("\n\n") if p.strip()]
        ours = [p.text.strip() for p in proofread.read_back(target / rel) if p.text.strip()]
        assert theirs == ours, kind
        assert len(ours) >= 4, kind  # a v1 变更说明 is four paragraphs


def test_the_outlet_summaries_of_a_sub_branch_add_up_to_its_compilations_headline(built):
    """issue #34, like for like: the compilation's 较年初 is the sum of what its outlets' summaries
    print — growth of the outlets open all year, the new outlets' whole balance, the closed
    outlets' growth to their closing day less the balance they closed with — to the rounding of
    the printed figures, and its table of the parts says the same."""
    target, manifest, _ = built
    money = r"([\d.]+(?:亿元|万元))"
    sentence = re.compile(rf"对公存款余额为{money}，(较年初|开业以来)(新增|减少){money}")
    by_sub: dict[str, list[tuple[str, float, float]]] = {}
    for rel in _docx(manifest, "outlet_half_year_summary"):
        texts = _texts(Document(str(target / rel)))
        found = next(m for t in texts if (m := sentence.search(t)))
        end, growth = _amount(found.group(1)), _amount(found.group(4)) * (-1 if found.group(3) == "减少" else 1)
        kind = "closed" if "三、撤并及移交情况" in texts else "opened" if found.group(2) == "开业以来" else "continuing"
        by_sub.setdefault(rel.split("/")[1], []).append((kind, end, growth))
    checked = 0
    for rel in _docx(manifest, "compilation"):
        texts = _texts(Document(str(target / rel)))
        sub = next(name for name in by_sub if name in rel)
        head = next(m for t in texts if (m := re.search(rf"对公存款余额合计{money}，较年初(新增|减少){money}", t)))
        headline = _amount(head.group(3)) * (-1 if head.group(2) == "减少" else 1)
        outlets = by_sub[sub]
        total = sum(
            growth if kind == "continuing" else end if kind == "opened" else growth - end for kind, end, growth in outlets
        )
        # each printed figure is off by at most half a unit of its last digit (0.005亿元)
        assert abs(total - headline) <= 0.005e8 * (len(outlets) + 1), (sub, total, headline, outlets)
        if any(kind != "continuing" for kind, _, _ in outlets):
            assert "构成" in texts and "合计" in texts  # the parts, on their own lines
            checked += 1
    assert checked >= 1  # the sample has a sub-branch with a closed and a new outlet


def test_an_owner_section_is_printed_where_written_and_listed_where_missing(built):
    """issue #34 point 4: 坚持党建引领 (pack definition owner_sections) only an owner can write."""
    target, manifest, _ = built
    from reportpack.airflow_support import review_request

    summaries = _docx(manifest, "outlet_half_year_summary")
    (written,) = [d for d in summaries if OWNER_UNIT in d]
    headings = [p.text for p in Document(str(target / written)).paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["一、坚持党建引领", "二、上半年主要指标完成情况"]
    for other in summaries[:3]:
        if other != written:  # no empty heading, no placeholder where nobody wrote it
            assert not any("党建" in p.text for p in Document(str(target / other)).paragraphs), other
    (missing,) = manifest["owner_sections"]
    assert missing["section"] == "坚持党建引领" and missing["of"] == len(summaries)
    assert len(missing["missing"]) == len(summaries) - 1 and "解放路分理处" not in missing["missing"]
    index = (target / "index.html").read_text("utf-8")
    assert f"网点工作总结“坚持党建引领”（section: party_building）：{len(summaries)}份中{len(summaries) - 1}份未撰写" in index
    body = review_request(str(target))["body"]
    assert f"\n- 待负责人撰写：网点工作总结“坚持党建引领”{len(summaries)}份中{len(summaries) - 1}份未撰写（" in body
