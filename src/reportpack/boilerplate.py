"""How much of a pack's prose is the same in every document of a kind (#12's measure of boilerplate).

A reviewer reads a sub-branch's documents side by side: a sentence that is fine in one document is
boilerplate when every document of its kind says it. Each document's paragraphs (tables left out:
they are figures) are split into sentences at 。；！？ and masked — every number becomes ``#``, every
name the warehouse knows (units, staff) ``〇`` — so "解放路分理处上半年累计营业1040小时" and "滨河路分理处上半年
累计营业1036小时" count as the same sentence. Per document kind:

- ``in_every_document``: the distinct masked sentences found in every document of the kind;
- ``share_in_every_document``: of a document's sentences, the share found in every document of the
  kind (mean over documents) — the body of text a reviewer reads again in each;
- ``share_repeated``: of a document's sentences, the share found in at least one other document
  (mean over documents);
- ``sentences_in_every_document``: those sentences themselves (masked), in the order of the kind's
  first document, for the owner deciding which to vary;
- ``prose``: the same measures over body text only, leaving out the title, the numbered headings,
  captions and the 落款 (structure every document of a kind shares by design, as the seed's do).
- ``variety`` (issue #31), over body text: ``share_common``, of a document's sentences, the share whose
  masked frame appears in at least half of the kind's documents (mean over documents), split into
  ``share_common_data`` — data sentences: the sentence prints a figure, or is a sentence a rule drafted
  from figures it read (``findings.json``: a finding with figures), or a sentence its template writes
  only under a condition on the data (``chosen_by_data``) — and ``share_common_stock``: the
  rest, less ``share_common_structure`` (lead-ins "…汇报如下。", the closing formula, "我叫…") and
  ``share_common_owner`` (the owner's text, ``findings.json`` category 负责人 — an entry for every
  document of a kind is common by the owner's choice): sentences with no data behind them (no figure
  printed, no rule condition read, not written under a template condition on the data, not the
  owner's); ``stock_sentences`` lists them.
  A frame common to half the documents is fine when it states a fact of each unit with its figures;
  stock sentences are what a signer strikes out.

Compilations are left out (they hold the other documents), and so is the changes report.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from docx import Document

from reportpack.owner.inputs import OWNER
from reportpack.owner.verdicts import TABLES

SENTENCE_END = re.compile(r"(?<=[。；！？])")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


# paragraphs that are structure, not prose: titles, numbered headings, captions, the 落款
STRUCTURE = re.compile(r"Title|Subtitle|Heading \d|Caption|Signature")


def sentences(path: Path, names: re.Pattern) -> list[tuple[str, bool]]:
    """The masked sentences of a document's paragraphs, in order, each with whether it is prose
    (body text) rather than structure (the title, headings, captions and 落款 every document of a
    kind shares by design)."""
    out = []
    for para in Document(str(path)).paragraphs:
        prose = not STRUCTURE.fullmatch(para.style.name)
        for sentence in SENTENCE_END.split(para.text):
            if sentence := sentence.strip():
                out.append((NUMBER.sub("#", names.sub("〇", sentence)), prose))
    return out


def measure(pack_dir: Path, names: list[str], chosen: dict[str, list[re.Pattern]] | None = None) -> dict[str, dict]:
    """Per document kind of the pack's manifest: documents, sentences and the shares above, over
    every paragraph and (``prose``) over body text only; ``chosen``: per kind, the sentences its
    template writes only under a condition (``chosen_by_data``), counted as data in ``variety``."""
    # one pattern, longest name first (城东支行 before 城东): a 20,000-outlet pack has 100,000 names
    pattern = re.compile("|".join(map(re.escape, sorted({n for n in names if n}, key=len, reverse=True))) or "(?!)")
    manifest = json.loads((pack_dir / "manifest.json").read_text("utf-8"))
    findings_file = pack_dir / "findings.json"
    findings = json.loads(findings_file.read_text("utf-8")) if findings_file.exists() else {}
    by_kind: dict[str, list[list[tuple[str, bool]]]] = {}
    drafted: dict[str, set[str]] = {}  # per kind: the masked sentences rules drafted from figures they read
    owned: dict[str, set[str]] = {}  # per kind: the masked sentences of the owner's input
    for entry in manifest["files"]:
        if entry["path"].endswith(".docx") and entry["kind"] not in ("compilation", "changes"):
            by_kind.setdefault(entry["kind"], []).append(sentences(pack_dir / entry["path"], pattern))
            from_data = drafted.setdefault(entry["kind"], set())
            from_owner = owned.setdefault(entry["kind"], set())
            for finding in findings.get(entry["path"], []):
                if finding.get("category") == OWNER:
                    from_owner.update(_bare(m) for m in _masked(finding["text"], pattern))
                elif finding.get("figures"):
                    from_data.update(_bare(m) for m in _masked(finding["text"], pattern))
    report = {}
    for kind, docs in sorted(by_kind.items()):
        report[kind] = _shares([[s for s, _ in doc] for doc in docs])
        prose = [[s for s, is_prose in doc if is_prose] for doc in docs]
        report[kind]["prose"] = _shares(prose)
        report[kind]["variety"] = _variety(prose, drafted.get(kind, set()), (chosen or {}).get(kind, []), owned.get(kind, set()))
    return report


def chosen_by_data(templates_dir: Path, pack_name: str) -> dict[str, list[re.Pattern]]:
    """Per document kind: the sentences its template writes from the data though they may print no
    figure — those it writes only under a condition (``{% if %}`` on a verdict or a figure: "团结、和谐、
    高效的集体正在形成" where the outlet had no valid complaint) and those that print a value of the
    unit's records (“素养” as the weakest 6S dimension) — as patterns of masked sentences. Literal
    text outside any condition, with no value of the data in it, is not among them."""
    from jinja2 import nodes

    from reportpack.owner import packdef
    from reportpack.render import templating

    env = templating.environment(templates_dir)
    definition = packdef.load(packdef.path_of(templates_dir, pack_name), templates_dir)
    out: dict[str, list[re.Pattern]] = {}
    for part in definition.parts:
        tree = env.parse((templates_dir / part.template).read_text("utf-8"))
        found = out.setdefault(part.kind, _patterns(tree.body, conditional=False))
        for node in tree.find_all((nodes.If, nodes.For, nodes.Macro)):
            if isinstance(node, nodes.If):
                for body in (node.body, node.else_, *(e.body for e in node.elif_)):
                    found += _patterns(body, conditional=True)
            else:
                found += _patterns(node.body, conditional=False)
    return out


# the names a template reads a unit's records by: the verdict tables' (owner/verdicts.py), the lists
# of rows and their loop names
DATA_NAMES = set(TABLES.values()) | {"b", "budget", "outlets", "colleagues", "w"}


def _reads_data(expression) -> bool:
    """Whether an expression prints a value of a unit's records (its name aside: names are masked)."""
    from jinja2 import nodes

    return any(
        isinstance(n.node, nodes.Name) and n.node.name in DATA_NAMES and not n.attr.endswith("_name")
        for n in (expression, *expression.find_all(nodes.Getattr))
        if isinstance(n, nodes.Getattr)
    )


def _patterns(body: list, conditional: bool) -> list[re.Pattern]:
    """The sentences (or the part of a sentence) a body writes — all of them under a condition, else
    those printing a value of the data — as patterns found in a document's sentence: its literal text
    masked as the documents are, each expression or nested statement a wildcard, list markers (- ,
    1. ) and the closing ；/。 (a list's last item ends in 。) dropped."""
    from jinja2 import nodes

    hole, data_hole = "\x00", "\x01"
    parts = []
    for node in body:
        if isinstance(node, nodes.Output):
            for n in node.nodes:
                parts.append(n.data if isinstance(n, nodes.TemplateData) else data_hole if _reads_data(n) else hole)
        else:
            parts.append(hole)
    text = re.sub(r"(?m)^[ \t]*(?:- |\d+\. )", "", "".join(parts))
    out = []
    for sentence in SENTENCE_END.split(text.replace("\n", "")):
        # a fragment of a few characters ("，", "户") would be found in any sentence: six or more
        if (conditional or data_hole in sentence) and sum("\u4e00" <= c <= "\u9fff" for c in sentence) >= 6:
            pieces = re.split("[\x00\x01]", _bare(sentence.strip()))
            out.append(re.compile(".*?".join(re.escape(NUMBER.sub("#", piece)) for piece in pieces)))
    return out


# what a list item starts with in the document (render/document.py numbers "- " and "1. " items)
ITEM_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+是|\d+\.|#\.)")  # #. : 1. once masked


def _bare(sentence: str) -> str:
    """A sentence without the list number the document put before it (一是, 2.) and its closing ；/。
    (a list's last item ends in 。): as a rule or a template wrote it."""
    return ITEM_NUMBER.sub("", sentence).rstrip("；。")


def _masked(text: str, names: re.Pattern) -> list[str]:
    return [NUMBER.sub("#", names.sub("〇", s.strip())) for s in SENTENCE_END.split(text) if s.strip()]


# sentences that assert nothing: a lead-in to what follows (…汇报如下。, 下半年主要目标：), the closing
# formula, the self-introduction of a personal document
STRUCTURE_SENTENCE = re.compile(r".*(如下[。：]|：)|.*请批评指正[。！]|我叫〇，是〇的一名\w+。")


def _variety(docs: list[list[str]], drafted: set[str], chosen: list[re.Pattern] = (), owned: set[str] = frozenset()) -> dict:
    """Of a document's body sentences, the share whose frame is in at least half of the kind's
    documents, and of those the data sentences (a figure printed, drafted by a rule from figures, or
    written by the template only under a condition on the data: ``chosen``), the structure that
    asserts nothing, the owner's text (``owned``), and the rest: stock."""
    spread = Counter(s for doc in docs for s in set(doc))
    common = {s for s, n in spread.items() if n * 2 >= len(docs)} if len(docs) > 1 else set()
    data = {s for s in common if "#" in _bare(s) or _bare(s) in drafted or any(p.search(_bare(s)) for p in chosen)}
    structure = {s for s in common - data if STRUCTURE_SENTENCE.fullmatch(s)}
    owner = {s for s in common - data - structure if _bare(s) in owned}
    stock = common - data - structure - owner
    return {
        "share_common": _mean(docs, common),
        "share_common_data": _mean(docs, data),
        "share_common_structure": _mean(docs, structure),
        "share_common_owner": _mean(docs, owner),
        "share_common_stock": _mean(docs, stock),
        "stock_sentences": sorted(stock, key=lambda s: (-spread[s], s)),
    }


def _shares(docs: list[list[str]]) -> dict:
    # in how many documents each masked sentence appears
    spread = Counter(s for doc in docs for s in set(doc))
    every = {s for s, n in spread.items() if n == len(docs)} if len(docs) > 1 else set()
    repeated = {s for s, n in spread.items() if n > 1}
    return {
        "documents": len(docs),
        "sentences_per_document": round(sum(map(len, docs)) / len(docs), 1),
        "in_every_document": len(every),
        "share_in_every_document": _mean(docs, every),
        "share_repeated": _mean(docs, repeated),
        "sentences_in_every_document": list(dict.fromkeys(s for s in docs[0] if s in every)),
    }


def _mean(docs: list[list[str]], found: set[str]) -> float:
    """The mean over documents of the share of a document's sentences in ``found``."""
    shares = [sum(s in found for s in doc) / len(doc) for doc in docs if doc]
    return round(sum(shares) / len(shares), 3) if shares else 0.0


def table(report: dict[str, dict]) -> str:
    rows = [
        f"{'':<32}{'all paragraphs':^46}{'prose (no headings, captions, 落款)':^40}{'prose in ≥ half the documents':^36}",
        f"{'kind':<26}{'docs':>6}"
        + f"{'sent/doc':>10}{'in every doc':>14}{'share in every':>16}{'share repeated':>16}" * 2
        + f"{'all':>9}{'data':>9}{'struct':>9}{'owner':>9}{'stock':>9}",
    ]
    for kind, r in report.items():
        v = r["variety"]
        rows.append(
            f"{kind:<26}{r['documents']:>6}"
            + "".join(
                f"{x['sentences_per_document']:>10}{x['in_every_document']:>14}"
                f"{x['share_in_every_document']:>16.1%}{x['share_repeated']:>16.1%}"
                for x in (r, r["prose"])
            )
            + "".join(
                f"{v[k]:>9.1%}"
                for k in (
                    "share_common",
                    "share_common_data",
                    "share_common_structure",
                    "share_common_owner",
                    "share_common_stock",
                )
            )
        )
    return "\n".join(rows)
