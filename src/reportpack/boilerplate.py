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
  from figures it read (``findings.json``: a finding with figures) — and ``share_common_stock``: the
  rest, less ``share_common_structure`` (lead-ins "…汇报如下。", the closing formula, "我叫…"),
  sentences with no data behind them as far as the text tells (no figure printed, no rule condition
  read, no owner input: owner text is the unit's own and is not common; a sentence a template chose
  by a verdict is counted here too, so the figure is an upper bound); ``stock_sentences`` lists them.
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


def measure(pack_dir: Path, names: list[str]) -> dict[str, dict]:
    """Per document kind of the pack's manifest: documents, sentences and the shares above, over
    every paragraph and (``prose``) over body text only."""
    # one pattern, longest name first (城东支行 before 城东): a 20,000-outlet pack has 100,000 names
    pattern = re.compile("|".join(map(re.escape, sorted({n for n in names if n}, key=len, reverse=True))) or "(?!)")
    manifest = json.loads((pack_dir / "manifest.json").read_text("utf-8"))
    findings_file = pack_dir / "findings.json"
    findings = json.loads(findings_file.read_text("utf-8")) if findings_file.exists() else {}
    by_kind: dict[str, list[list[tuple[str, bool]]]] = {}
    drafted: dict[str, set[str]] = {}  # per kind: the masked sentences rules drafted from figures they read
    for entry in manifest["files"]:
        if entry["path"].endswith(".docx") and entry["kind"] not in ("compilation", "changes"):
            by_kind.setdefault(entry["kind"], []).append(sentences(pack_dir / entry["path"], pattern))
            from_data = drafted.setdefault(entry["kind"], set())
            for finding in findings.get(entry["path"], []):
                if finding.get("figures"):
                    from_data.update(_masked(finding["text"], pattern))
    report = {}
    for kind, docs in sorted(by_kind.items()):
        report[kind] = _shares([[s for s, _ in doc] for doc in docs])
        prose = [[s for s, is_prose in doc if is_prose] for doc in docs]
        report[kind]["prose"] = _shares(prose)
        report[kind]["variety"] = _variety(prose, drafted.get(kind, set()))
    return report


def _masked(text: str, names: re.Pattern) -> list[str]:
    return [NUMBER.sub("#", names.sub("〇", s.strip())) for s in SENTENCE_END.split(text) if s.strip()]


# sentences that assert nothing: a lead-in to what follows (…汇报如下。, 下半年主要目标：), the closing
# formula, the self-introduction of a personal document
STRUCTURE_SENTENCE = re.compile(r".*(如下[。：]|：)|.*请批评指正[。！]|我叫〇，是〇的一名\w+。")


def _variety(docs: list[list[str]], drafted: set[str]) -> dict:
    """Of a document's body sentences, the share whose frame is in at least half of the kind's
    documents, and of those the data sentences (a figure printed, or drafted by a rule from figures),
    the structure that asserts nothing, and the rest: stock, as far as the text tells — a sentence a
    template chose by a verdict prints no figure and counts here as stock too (an upper bound)."""
    spread = Counter(s for doc in docs for s in set(doc))
    common = {s for s, n in spread.items() if n * 2 >= len(docs)} if len(docs) > 1 else set()
    data = {s for s in common if "#" in s or s in drafted}
    structure = {s for s in common - data if STRUCTURE_SENTENCE.fullmatch(s)}
    stock = common - data - structure
    return {
        "share_common": _mean(docs, common),
        "share_common_data": _mean(docs, data),
        "share_common_structure": _mean(docs, structure),
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
        + f"{'all':>9}{'data':>9}{'struct':>9}{'stock':>9}",
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
                f"{v[k]:>9.1%}" for k in ("share_common", "share_common_data", "share_common_structure", "share_common_stock")
            )
        )
    return "\n".join(rows)
