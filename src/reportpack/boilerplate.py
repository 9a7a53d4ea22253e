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
    by_kind: dict[str, list[list[tuple[str, bool]]]] = {}
    for entry in manifest["files"]:
        if entry["path"].endswith(".docx") and entry["kind"] not in ("compilation", "changes"):
            by_kind.setdefault(entry["kind"], []).append(sentences(pack_dir / entry["path"], pattern))
    report = {}
    for kind, docs in sorted(by_kind.items()):
        report[kind] = _shares([[s for s, _ in doc] for doc in docs])
        report[kind]["prose"] = _shares([[s for s, prose in doc if prose] for doc in docs])
    return report


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
        f"{'':<32}{'all paragraphs':^46}{'prose (no headings, captions, 落款)':^40}",
        f"{'kind':<26}{'docs':>6}" + f"{'sent/doc':>10}{'in every doc':>14}{'share in every':>16}{'share repeated':>16}" * 2,
    ]
    for kind, r in report.items():
        rows.append(
            f"{kind:<26}{r['documents']:>6}"
            + "".join(
                f"{x['sentences_per_document']:>10}{x['in_every_document']:>14}"
                f"{x['share_in_every_document']:>16.1%}{x['share_repeated']:>16.1%}"
                for x in (r, r["prose"])
            )
        )
    return "\n".join(rows)
