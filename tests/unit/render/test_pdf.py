"""How documents are handed to LibreOffice: chunks that keep every worker busy to the end."""

from pathlib import Path

import pytest

from reportpack.render import pdf


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
