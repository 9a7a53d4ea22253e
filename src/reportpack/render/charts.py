"""Charts: a ``chart`` block (caption + data table) → PNG bytes at print resolution, deterministic.

Drawn with matplotlib's Agg backend in Noto Sans CJK SC, taken from the ``mplfonts`` package rather
than from the system, so a chart looks the same (and has the same bytes) on every machine, with or
without CJK fonts installed. PNG metadata carries no software version or date.
"""

from __future__ import annotations

import importlib.util
import io
import math
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from reportpack.render.document import width  # noqa: E402

DPI = 300  # print resolution
WIDTH_MM, HEIGHT_MM = 150, 70  # inside the 156 mm type area
# Greys and one accent: charts in bank reports are printed in black and white as often as in colour.
LABEL_PT = 8  # category labels
MM_PER_PT = 25.4 / 72
AXES_SHARE = 0.99 - 0.08  # of the figure's width: the plot between the left and right margins below
COLOURS = ["#1f3b73", "#9aa5b8", "#c0392b", "#5d6d7e"]


@lru_cache(maxsize=1)
def cjk_font() -> font_manager.FontProperties:
    spec = importlib.util.find_spec("mplfonts")  # locate the fonts without importing the package
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the mplfonts package (Chinese chart font) is not installed: run `make install`")
    path = Path(spec.submodule_search_locations[0]) / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


@lru_cache(maxsize=256)  # a compilation embeds its parts' charts again: draw each once
def chart_png(kind: str, cells: tuple[tuple[str, ...], ...]) -> bytes:
    """``cells``: header row then data rows; column 1 names categories, each further column a series.
    The caption is not drawn: it is a Word paragraph under the picture, searchable and editable."""
    header, rows = cells[0], cells[1:]
    categories = wrapped([r[0] for r in rows])
    lines = max(c.count("\n") + 1 for c in categories)
    series = {name: [float(r[i]) for r in rows] for i, name in enumerate(header[1:], start=1)}
    font = cjk_font()
    with plt.rc_context({"font.family": font.get_name(), "axes.unicode_minus": False, "svg.hashsalt": "reportpack"}):
        fig, ax = plt.subplots(figsize=(WIDTH_MM / 25.4, HEIGHT_MM / 25.4), dpi=DPI)
        try:
            _draw(ax, kind, categories, series)
            ax.spines[["top", "right"]].set_visible(False)
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
            ax.set_axisbelow(True)
            ax.tick_params(labelsize=LABEL_PT)
            ax.margins(y=0.12)  # room for the value labels
            if len(series) > 1:  # below the axis, never over a bar
                below = -0.1 - 0.07 * (lines - 1)
                ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, below), ncol=len(series))
            # fixed margins, not tight_layout(): it draws the figure an extra time
            bottom = (0.24 if len(series) > 1 else 0.14) + 0.06 * (lines - 1)
            fig.subplots_adjust(left=0.08, right=0.99, top=0.95, bottom=bottom)
            out = io.BytesIO()
            fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
        finally:
            plt.close(fig)
    return out.getvalue()


def wrapped(labels: list[str]) -> list[str]:
    """Category labels that fit the room each has under the axis: a label wider than its share is
    broken into equal lines ("解放路/分理处"), never left to run into its neighbours."""
    room_mm = WIDTH_MM * AXES_SHARE / max(len(labels), 1) * 0.9
    per_line = max(2, int(room_mm / (LABEL_PT * MM_PER_PT)))  # a CJK character is as wide as the type size
    out = []
    for label in labels:
        n = math.ceil(width(label) / per_line)
        size = math.ceil(len(label) / n) if n > 1 else len(label)
        out.append("\n".join(label[i : i + size] for i in range(0, len(label), size)))
    return out


def _draw(ax, kind: str, categories: list[str], series: dict[str, list[float]]) -> None:
    positions = range(len(categories))
    if kind == "bar":
        width = 0.8 / len(series)
        for i, (name, values) in enumerate(series.items()):
            offset = (i - (len(series) - 1) / 2) * width
            bars = ax.bar([p + offset for p in positions], values, width, label=name, color=COLOURS[i % len(COLOURS)])
            ax.bar_label(bars, fmt="%g", fontsize=7, padding=1)
    else:
        for i, (name, values) in enumerate(series.items()):
            ax.plot(list(positions), values, marker="o", markersize=3, label=name, color=COLOURS[i % len(COLOURS)])
    ax.set_xticks(list(positions), categories)
