"""Turns per-engine measurements into the result records (one JSON object per workload) and a table.

>>> r = summarize("W3", {"dataflowio": {"items_per_s": 400000.0, "rounds": [4e5], "peak_rss_mb": 150.0},
...                      "tf": {"items_per_s": 40000.0, "rounds": [4e4], "peak_rss_mb": 700.0}})
>>> r["ratio"], r["met"], r["rss_below_peer"]
(10.0, True, True)
>>> print(table([r]).splitlines()[2][:42])
W3   elements/s       400,000       40,000
"""

from __future__ import annotations

from typing import Any

from benchmarks.targets import TARGETS

PEER_ENGINE = {"W7": "dataflowio-noopt"}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def summarize(workload: str, per_engine: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Returns the result record of one workload: ours, the peer, their ratio, the target, RSS."""
    t = TARGETS[workload]
    ours = per_engine.get("dataflowio", {})
    peer = per_engine.get(PEER_ENGINE.get(workload, "tf"), {})
    rec: dict[str, Any] = {
        "workload": workload, "engine": "dataflowio", "unit": t.unit,
        "items_per_s": _round(ours.get("items_per_s")), "peer": t.peer,
        "peer_items_per_s": _round(peer.get("items_per_s")),
    }
    rec["ratio"] = _ratio(rec["items_per_s"], rec["peer_items_per_s"])
    rec["target"] = t.ratio
    rec["peak_rss_mb"] = ours.get("peak_rss_mb")
    rec["peer_peak_rss_mb"] = peer.get("peak_rss_mb")
    rss_ok = None
    if rec["items_per_s"] and rec["peer_items_per_s"] and rec["peak_rss_mb"] and rec["peer_peak_rss_mb"]:
        rss_ok = rec["peak_rss_mb"] < rec["peer_peak_rss_mb"]
    rec["rss_below_peer"] = rss_ok
    met = rec["ratio"] is not None and rec["ratio"] >= t.ratio
    if t.second_ratio is not None:
        second = per_engine.get("tfrecord", {})
        rec["tfrecord_items_per_s"] = _round(second.get("items_per_s"))
        rec["tfrecord_ratio"] = _ratio(rec["items_per_s"], rec["tfrecord_items_per_s"])
        rec["tfrecord_target"] = t.second_ratio
        rec["tfrecord_peak_rss_mb"] = second.get("peak_rss_mb")
        rec["tfrecord_rounds"] = [_round(v) for v in second.get("rounds", [])]
        if second.get("error"):
            rec["tfrecord_error"] = second["error"]
        if rec["tfrecord_ratio"] is not None:
            met = met and rec["tfrecord_ratio"] >= t.second_ratio
    if t.accuracy_tol is not None:
        rec["accuracy"], rec["peer_accuracy"] = ours.get("accuracy"), peer.get("accuracy")
        if rec["accuracy"] is not None and rec["peer_accuracy"] is not None:
            met = met and abs(rec["accuracy"] - rec["peer_accuracy"]) <= t.accuracy_tol
    rec["met"] = bool(met) if rec["ratio"] is not None else None
    cut = [name for name, d in (("dataflowio", ours), ("peer", peer)) if d.get("cut")]
    if cut:
        rec["cut_at_budget"] = cut
    rec["rounds"] = [_round(v) for v in ours.get("rounds", [])]
    rec["peer_rounds"] = [_round(v) for v in peer.get("rounds", [])]
    if ours.get("error"):
        rec["error"] = ours["error"]
    if peer.get("error"):
        rec["peer_error"] = peer["error"]
    return rec


def _round(v: float | None) -> float | None:
    return None if v is None else round(float(v), 1)


def _num(v: float | None, fmt: str = "{:,.0f}") -> str:
    return "-" if v is None else fmt.format(v)


def table(records: list[dict[str, Any]]) -> str:
    """Returns a readable fixed-width table of result records (one row per workload)."""
    head = (f"{'id':<4} {'unit':<11} {'dataflowio':>12} {'peer':>12} {'ratio':>7} {'target':>7} {'met':>4}"
            f" {'tfrecord':>9} {'ratio':>6} {'RSS MB':>7} {'peer RSS':>8}  note")
    lines = [head, "-" * len(head)]
    for r in records:
        met = {True: "yes", False: "NO", None: "-"}[r.get("met")]
        note = []
        if r["workload"] == "W7":
            note.append("peer = ours, optimizations off")
        if r.get("accuracy") is not None:
            note.append(f"acc {r['accuracy']:.4f} vs {_num(r.get('peer_accuracy'), '{:.4f}')}")
        if r.get("cut_at_budget"):
            note.append("time budget cut: " + ", ".join(r["cut_at_budget"]))
        for k in ("error", "peer_error", "tfrecord_error"):
            if r.get(k):
                note.append(f"{k}: {r[k][:60]}")
        lines.append(
            f"{r['workload']:<4} {r['unit']:<11} {_num(r['items_per_s']):>12} {_num(r['peer_items_per_s']):>12}"
            f" {_num(r['ratio'], '{:.2f}x'):>7} {_num(r['target'], '{:.1f}x'):>7} {met:>4}"
            f" {_num(r.get('tfrecord_items_per_s')):>9} {_num(r.get('tfrecord_ratio'), '{:.2f}x'):>6}"
            f" {_num(r['peak_rss_mb']):>7} {_num(r['peer_peak_rss_mb']):>8}  {'; '.join(note)}")
    return "\n".join(lines)


def machine() -> dict[str, str]:
    """Returns where the run happened: date, `nproc`, the head of `lscpu`, Python and library versions."""
    import datetime
    import importlib.metadata as md
    import os
    import platform
    import subprocess

    def sh(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    versions = []
    for pkg in ("dataflowio", "numpy", "protobuf", "Pillow", "tensorflow-cpu", "tensorflow", "tfrecord"):
        try:
            versions.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": sh(["nproc"]),
        "lscpu": "\n".join(sh(["lscpu"]).splitlines()[:10]),
        "python": platform.python_version(),
        "versions": ", ".join(versions),
        "load": " ".join(f"{x:.2f}" for x in load),
    }


def markdown(records: list[dict[str, Any]], where: dict[str, str], command: str) -> str:
    """Returns RESULTS.md: the run's date and machine, the table, and the raw JSON lines."""
    import json

    return "\n".join([
        "# Benchmark results",
        "",
        (f"`{command}` — {where['date']}, {where['nproc']} CPUs, load average before the run:"
         f" {where['load']}."),
        f"Python {where['python']}; {where['versions']}.",
        "",
        "```",
        where["lscpu"],
        "```",
        "",
        ("Ratios are ours / peer (tf.data; W7: ours with default optimizations off), medians of the rounds,"
         " engines alternating in one run; `tfrecord` is the `tfrecord` PyPI package (W1/W2)."),
        "",
        "```",
        table(records),
        "```",
        "",
        "<details><summary>JSON lines</summary>",
        "",
        "```json",
        *[json.dumps(r) for r in records],
        "```",
        "</details>",
        "",
    ])
