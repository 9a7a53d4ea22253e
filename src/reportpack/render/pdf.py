"""PDF and PNG renditions through LibreOffice, with the repository's fontconfig aliases."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from reportpack.errors import EnvironmentProblem, InputError


class LibreOfficeMissing(InputError):
    """PDF renditions were asked for on a machine without LibreOffice."""


class LibreOfficeFailed(EnvironmentProblem):
    """LibreOffice did not convert documents, twice: its exit code and last words are in the message."""


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        raise LibreOfficeMissing(
            "LibreOffice not found: install the Debian packages libreoffice-writer-nogui fonts-noto-cjk "
            "fonts-arphic-ukai fonts-arphic-uming poppler-utils"
        )
    return path


CHUNK = 40  # documents per LibreOffice call: its start-up (~2 s) shared, a failure or a timeout confined
CHUNK_TIMEOUT_S = 600


def to_pdf(docs: list[Path], out_dir: Path, fonts_conf: Path, workers: int = 1, pages: int | None = None) -> list[Path]:
    """Convert ``docs`` to PDF in ``out_dir``, ``CHUNK`` documents per LibreOffice call and up to
    ``workers`` calls at once (each with a profile of its own); returns the PDF paths, in order.
    ``pages``: export only the first pages (the whole document is still laid out, so fields
    referring to later pages are right) — writing the PDF is half of LibreOffice's time."""
    from concurrent.futures import ThreadPoolExecutor

    stems: dict[str, Path] = {}
    for doc in docs:  # LibreOffice names a PDF after its document alone: two of one name would overwrite
        if stems.setdefault(doc.stem, doc) != doc:
            raise ValueError(f"{stems[doc.stem]} and {doc} would both become {out_dir / (doc.stem + '.pdf')}")
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks = balanced_chunks(docs, max(1, workers))
    target = "pdf"
    if pages is not None:
        target += ":writer_pdf_Export:" + json.dumps({"PageRange": {"type": "string", "value": f"1-{pages}"}})
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in pool.map(lambda chunk: _convert(chunk, out_dir, fonts_conf, target), chunks):
            pass
    return [out_dir / (d.stem + ".pdf") for d in docs]


def balanced_chunks(docs: list[Path], workers: int) -> list[list[Path]]:
    """``docs`` in chunks of at most ``CHUNK``, as many as a multiple of ``workers`` (or one per
    document) and of sizes differing by one at most: 125 documents on 2 workers are 4 chunks of 32
    or 31 (two rounds), not 3 of 40 and one of 5 (three rounds, the last on one worker)."""
    count = min(len(docs), -(-len(docs) // (CHUNK * workers)) * workers)
    size, extra = divmod(len(docs), max(count, 1))
    chunks, start = [], 0
    for n in range(count):
        end = start + size + (n < extra)
        if end > start:
            chunks.append(docs[start:end])
        start = end
    return chunks


ATTEMPTS = 2  # LibreOffice now and then exits 1 having converted nothing (seen on its first start on a machine)
_TOO_LONG = "it ran more than"


def _convert(docs: list[Path], out_dir: Path, fonts_conf: Path, target: str = "pdf") -> None:
    """Convert ``docs`` in one LibreOffice call, tried again once when it fails or leaves a PDF
    missing (it exits 0 when it cannot load a document), not when it timed out;
    ``LibreOfficeFailed`` names the documents."""
    for _ in range(ATTEMPTS):
        problem = _convert_once(docs, out_dir, fonts_conf, target)
        if problem is None:
            return
        if problem.startswith(_TOO_LONG):  # a hang is not a hiccup: another try would only wait as long again
            break
    names = ", ".join(str(d) for d in docs[:3]) + (f" and {len(docs) - 3} more" if len(docs) > 3 else "")
    raise LibreOfficeFailed(f"LibreOffice could not convert {names} to PDF (tried {ATTEMPTS} times): {problem}")


def _convert_once(docs: list[Path], out_dir: Path, fonts_conf: Path, target: str) -> str | None:
    """One LibreOffice call; what went wrong, or ``None`` when every PDF is there."""
    for doc in docs:  # a stale PDF of an earlier attempt must not pass for this one's
        (out_dir / (doc.stem + ".pdf")).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        env = {**os.environ, "FONTCONFIG_FILE": str(fonts_conf)}
        # A private profile: a LibreOffice already running for the user (or another chunk) cannot swallow the call.
        cmd = [
            soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            *map(str, docs),
        ]
        # its own process group: soffice is a launcher whose soffice.bin would outlive a kill of the
        # launcher alone, holding the pipes (and the call) open
        with subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True) as proc:
            try:
                _, err = proc.communicate(timeout=CHUNK_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                return f"{_TOO_LONG} {CHUNK_TIMEOUT_S} s"
    said = (err or b"").decode("utf-8", "replace").strip().splitlines()[-3:]
    if proc.returncode != 0:
        return f"exit status {proc.returncode}; it said: {' / '.join(said) or '(nothing)'}"
    missing = [d.name for d in docs if not (out_dir / (d.stem + ".pdf")).is_file()]
    if missing:
        return f"no PDF for {', '.join(missing)}; it said: {' / '.join(said) or '(nothing)'}"
    if target.startswith("pdf"):
        garbled = [d.name for d in docs if not _is_pdf(out_dir / (d.stem + ".pdf"))]
        if garbled:
            return f"what it wrote for {', '.join(garbled)} is not a PDF; it said: {' / '.join(said) or '(nothing)'}"
    return None


def _is_pdf(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(5) == b"%PDF-"


def page_pngs(doc: Path, pages: dict[Path, int | None], fonts_conf: Path, dpi: int = 80) -> dict[Path, int]:
    """PNGs of pages of ``doc`` (one LibreOffice conversion): ``pages`` maps each PNG to write to its
    page number, ``None`` for the middle page. Returns each PNG's page number."""
    from pypdf import PdfReader

    done: dict[Path, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pdf = to_pdf([doc], Path(tmp), fonts_conf)[0]
        count = len(PdfReader(pdf).pages)
        for png, page in pages.items():
            page = min(page, count) if page else (count + 1) // 2
            stem = Path(tmp) / f"page{page}"
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
                check=True,
            )
            png.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stem.with_suffix(".png"), png)
            done[png] = page
    return done


def thumbnail(pdf: Path, png: Path, width: int = 160) -> Path:
    """A small PNG of page 1 of ``pdf`` (poppler's pdftoppm), for the pack's index page."""
    png.parent.mkdir(parents=True, exist_ok=True)
    stem = png.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-f", "1", "-l", "1", "-scale-to", str(width), "-singlefile", str(pdf), str(stem)],
        check=True,
        capture_output=True,
    )
    return stem.with_suffix(".png")


def text(pdf: Path) -> str:
    """The text of ``pdf`` in reading order (poppler's pdftotext); ``EnvironmentProblem`` when it
    cannot read it (``to_pdf`` made sure it is a PDF: the tool is what failed)."""
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True)
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-2:]
        raise EnvironmentProblem(
            f"pdftotext could not read {pdf} (exit status {done.returncode}): {' / '.join(said) or '(nothing)'}"
        )
    return done.stdout.decode("utf-8")


def outline(pdf: Path) -> list[tuple[str, int]]:
    """(title, page from 1) of every bookmark of ``pdf`` in document order, nested ones included.
    LibreOffice writes one per paragraph with an outline level."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    items: list[tuple[str, int]] = []

    def walk(nodes) -> None:
        for node in nodes:
            if isinstance(node, list):
                walk(node)
            else:
                items.append((node.title, reader.get_destination_page_number(node) + 1))

    walk(reader.outline)
    return items
