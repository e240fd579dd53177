"""Draws the ratios (ours / peer) per workload as a PNG bar chart, with each target as a line.

Uses matplotlib when it is installed, else Pillow (already a dependency); matplotlib is never
required.

>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "r.png")
>>> plot([{"workload": "W1", "ratio": 6.0, "target": 5.0}], p, backend="pillow") == p
True
"""

from __future__ import annotations

import math
from typing import Any

TITLE = "dataflowio / tf.data (W7: optimizations on / off), log scale"


def plot(records: list[dict[str, Any]], path: str, backend: str | None = None) -> str:
    """Writes the chart of `records` to `path` (PNG); returns `path`."""
    if backend is None:
        try:
            import matplotlib  # noqa: F401

            backend = "matplotlib"
        except ImportError:
            backend = "pillow"
    (_plot_matplotlib if backend == "matplotlib" else _plot_pillow)(records, path)
    return path


def _plot_matplotlib(records: list[dict[str, Any]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["workload"] for r in records]
    ratios = [r.get("ratio") or 0 for r in records]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    colors = ["#2a9d4b" if r.get("ratio") and r["ratio"] >= r["target"] else "#d1495b" for r in records]
    ax.bar(names, ratios, color=colors)
    for i, r in enumerate(records):
        ax.hlines(r["target"], i - 0.4, i + 0.4, colors="black", linestyles="dashed")
        ax.text(i, max(ratios[i], 0.1) * 1.05, f"{ratios[i]:.2f}x", ha="center", fontsize=9)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_ylabel("speed ratio (dashed: target)")
    ax.set_title(TITLE)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_pillow(records: list[dict[str, Any]], path: str) -> None:
    from PIL import Image, ImageDraw

    w, h, left, bottom, top = 800, 450, 60, 40, 40
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    values = [r.get("ratio") or 0 for r in records] + [r["target"] for r in records] + [1.0]
    lo, hi = math.log10(0.1), math.log10(max(values) * 1.5)

    def y_of(v: float) -> float:
        v = max(v, 0.1)
        return h - bottom - (math.log10(v) - lo) / (hi - lo) * (h - bottom - top)

    d.text((left, 10), TITLE, fill="black")
    d.line([(left, h - bottom), (w - 10, h - bottom)], fill="black")
    d.line([(left, top), (left, h - bottom)], fill="black")
    for tick in (0.1, 1, 10, 100, 1000):
        if math.log10(tick) <= hi:
            d.line([(left - 4, y_of(tick)), (w - 10, y_of(tick))], fill="#dddddd")
            d.text((5, y_of(tick) - 6), f"{tick:g}x", fill="black")
    slot = (w - left - 20) / max(len(records), 1)
    for i, r in enumerate(records):
        x0 = left + 10 + i * slot
        x1 = x0 + slot * 0.6
        ratio = r.get("ratio") or 0
        color = "#2a9d4b" if ratio >= r["target"] else "#d1495b"
        if ratio:
            d.rectangle([x0, y_of(ratio), x1, h - bottom], fill=color)
            d.text((x0, y_of(ratio) - 14), f"{ratio:.2f}x", fill="black")
        ty = y_of(r["target"])
        for xs in range(int(x0 - 5), int(x1 + 5), 8):  # dashed target line
            d.line([(xs, ty), (min(xs + 4, x1 + 5), ty)], fill="black", width=2)
        d.text((x0 + slot * 0.2, h - bottom + 8), r["workload"], fill="black")
    img.save(path, format="PNG")
