"""How documents are handed to LibreOffice: chunks that keep every worker busy to the end."""

from pathlib import Path

import pytest

from reportpack.render import pdf
from tests.conftest import require_tool


@pytest.mark.parametrize(
    "count,workers,sizes",
    [
        (125, 2, [32, 31, 31, 31]),  # not 40, 40, 40, 5: three rounds, the last on one worker
        (3, 2, [2, 1]),
        (1, 2, [1]),
        (40, 2, [20, 20]),
        (41, 2, [21, 20]),
        (81, 2, [21, 20, 20, 20]),
        (200, 4, [25] * 8),
        (7, 1, [7]),
        (0, 2, []),
    ],
)
def test_chunks_are_balanced_over_the_workers_and_never_above_the_limit(count, workers, sizes):
    docs = [Path(f"{n}.docx") for n in range(count)]
    chunks = pdf.balanced_chunks(docs, workers)
    assert [len(c) for c in chunks] == sizes
    assert [d for c in chunks for d in c] == docs  # every document once, in order
    assert all(len(c) <= pdf.CHUNK for c in chunks)


def _fake_soffice(tmp_path: Path, monkeypatch, script: str) -> Path:
    """A stand-in ``soffice`` running ``script`` (sh); it counts its calls in ``calls``."""
    fake = tmp_path / "soffice"
    fake.write_text(f'#!/bin/sh\necho x >> "{tmp_path}/calls"\n{script}\n')
    fake.chmod(0o755)
    monkeypatch.setattr(pdf, "soffice", lambda: str(fake))
    return tmp_path / "calls"


# The fake writes a PDF for every document given after --outdir DIR, as LibreOffice does.
_WRITE_PDFS = (
    'out=""; grab=0; for a in "$@"; do if [ $grab = 1 ]; then out=$a; grab=2; elif [ "$a" = --outdir ]; then grab=1; '
    'elif [ $grab = 2 ]; then b=$(basename "$a" .docx); echo %PDF-1.7 > "$out/$b.pdf"; fi; done'
)


def test_a_libreoffice_call_that_fails_once_is_tried_again(tmp_path, monkeypatch):
    calls = _fake_soffice(
        tmp_path, monkeypatch, f'[ $(wc -l < "{tmp_path}/calls") = 1 ] && {{ echo boom >&2; exit 1; }}\n{_WRITE_PDFS}'
    )
    docs = [tmp_path / "a.docx", tmp_path / "b.docx"]
    made = pdf.to_pdf(docs, tmp_path / "out", tmp_path / "fonts.conf")
    assert [p.read_text() for p in made] == ["%PDF-1.7\n", "%PDF-1.7\n"]
    assert len(calls.read_text().splitlines()) == 2


def test_libreoffice_failing_twice_names_the_documents_and_what_it_said(tmp_path, monkeypatch):
    _fake_soffice(tmp_path, monkeypatch, "echo 'Error: source file could not be loaded' >&2; exit 1")
    with pytest.raises(pdf.LibreOfficeFailed, match=r"a\.docx.*tried 2 times.*exit status 1.*could not be loaded"):
        pdf.to_pdf([tmp_path / "a.docx"], tmp_path / "out", tmp_path / "fonts.conf")


def test_a_pdf_libreoffice_left_out_is_an_error_even_when_it_exits_0(tmp_path, monkeypatch):
    """LibreOffice exits 0 when it cannot load a document; a stale PDF from before must not count."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "b.pdf").write_text("stale")
    _fake_soffice(tmp_path, monkeypatch, "exit 0")
    with pytest.raises(pdf.LibreOfficeFailed, match=r"no PDF for a\.docx, b\.docx"):
        pdf.to_pdf([tmp_path / "a.docx", tmp_path / "b.docx"], tmp_path / "out", tmp_path / "fonts.conf")


def test_a_libreoffice_that_writes_something_else_than_a_pdf_is_the_machines_problem_not_a_bug(tmp_path, monkeypatch):
    """Issue #33, case 8: a stand-in soffice that wrote something that is not a PDF was "internal
    error (a bug)", exit 4 (pdftotext failed on it)."""
    _fake_soffice(tmp_path, monkeypatch, _WRITE_PDFS.replace("%PDF-1.7", "hello"))
    with pytest.raises(pdf.LibreOfficeFailed, match=r"what it wrote for a\.docx is not a PDF") as caught:
        pdf.to_pdf([tmp_path / "a.docx"], tmp_path / "out", tmp_path / "fonts.conf")
    assert caught.value.exit_code == 5
    require_tool("pdftotext")
    (tmp_path / "x.pdf").write_text("not a pdf")
    with pytest.raises(pdf.EnvironmentProblem, match=r"pdftotext could not read .*x\.pdf"):
        pdf.text(tmp_path / "x.pdf")


def test_two_documents_of_one_name_are_refused_before_either_is_converted(tmp_path, monkeypatch):
    _fake_soffice(tmp_path, monkeypatch, "exit 1")
    a, b = tmp_path / "outlets" / "O1.docx", tmp_path / "lobby_plans" / "O1.docx"
    with pytest.raises(ValueError, match=r"outlets/O1\.docx and .*lobby_plans/O1\.docx would both become .*out/O1\.pdf"):
        pdf.to_pdf([a, b], tmp_path / "out", tmp_path / "fonts.conf")
    assert not (tmp_path / "out").exists()


def test_a_document_libreoffice_cannot_load_stops_the_conversion_naming_it(tmp_path):
    require_tool("soffice")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(pdf.LibreOfficeFailed, match="broken.docx"):
        pdf.to_pdf([broken], tmp_path / "out", Path(__file__).parents[3] / "templates" / "fonts" / "fonts.conf")


def test_a_libreoffice_call_that_times_out_is_killed_whole_and_not_tried_again(tmp_path, monkeypatch):
    """As soffice's launcher starts soffice.bin, the stand-in starts a child that would run on."""
    calls = _fake_soffice(tmp_path, monkeypatch, f'sleep 60 >/dev/null 2>&1 & echo $! > "{tmp_path}/child"; wait')
    monkeypatch.setattr(pdf, "CHUNK_TIMEOUT_S", 0.5)
    with pytest.raises(pdf.LibreOfficeFailed, match=r"a\.docx.*ran more than 0\.5 s"):
        pdf.to_pdf([tmp_path / "a.docx"], tmp_path / "out", tmp_path / "fonts.conf")
    assert len(calls.read_text().splitlines()) == 1
    status = Path(f"/proc/{(tmp_path / 'child').read_text().strip()}/status")
    assert not status.exists() or "State:\tZ" in status.read_text()  # killed (at most a zombie left for init)
