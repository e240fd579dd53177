"""it.stats(): per-stage statistics as data, the bottleneck, and the table."""

from __future__ import annotations

import time

import pytest

from dataflowio.data import Dataset
from dataflowio.data.options import Options
from dataflowio.data.runtime.stats import format_table

pytestmark = pytest.mark.timeout(60)


def _plain():
    o = Options()
    o.experimental_optimization.apply_default_optimizations = False
    return o


def _slow(x):
    time.sleep(0.002)
    return x


def test_stats_name_every_stage_and_the_slow_map_as_bottleneck():
    ds = Dataset.range(60).map(_slow, num_parallel_calls=2).batch(6).prefetch(2).with_options(_plain())
    it = iter(ds)
    assert len(list(it)) == 10
    s = it.stats()
    kinds = [r["stage"].split("(")[0] for r in s["stages"]]
    assert kinds == ["prefetch", "batch", "map", "range"]
    pf, _, mp, _ = s["stages"]
    assert pf["elements"] == 10 and pf["buffer_capacity"] == 2 and 0 <= pf["buffer_fill_avg"] <= 2
    assert mp["elements"] == 60 and mp["parallelism"] == 2 and mp["self_time_s"] >= 0.1
    assert "map" in s["bottleneck"]
    table = format_table(s)
    assert table.splitlines()[0].split()[:3] == ["stage", "elements", "chunks"]
    assert table.endswith(f"bottleneck: {s['bottleneck']}")


def test_autotuned_stages_report_their_chosen_parallelism_and_buffer():
    it = iter(Dataset.range(2000).map(lambda x: x + 1, num_parallel_calls=-1).with_options(_plain()))
    list(it)
    rec = it.stats()["stages"][0]
    assert rec["autotuned"] is True and rec["parallelism"] >= 1 and rec["buffer_capacity"] >= 1
    assert rec["bytes_per_element"] > 0


def test_skipped_counts_of_ignore_errors_appear_in_stats():
    def bad(x):
        if int(x) % 4 == 0:
            raise ValueError("bad")
        return x

    it = iter(Dataset.range(20).map(bad).ignore_errors().with_options(_plain()))
    assert len(list(it)) == 15
    rec = next(r for r in it.stats()["stages"] if r["stage"].startswith("ignore_errors"))
    assert rec["skipped"] == 5
