"""`dataflowio bench`: a thin wrapper over benchmarks/run.py (tiny inputs, no peers, in seconds)."""

from __future__ import annotations

import json

import pytest

from dataflowio.cli.main import main


@pytest.mark.timeout(120)
def test_bench_tiny_prints_json_records(tmp_path, capsys):
    assert main(["bench", "W1", "--tiny", "--no-peers", "--rounds", "1", "-q", "--cache",
                 str(tmp_path), "--json"]) == 0
    lines = [json.loads(s) for s in capsys.readouterr().out.splitlines() if s.startswith("{")]
    assert [r["workload"] if "workload" in r else r.get("id") for r in lines] == ["W1"]


@pytest.mark.timeout(120)
def test_bench_table_and_json_file(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["bench", "w1", "--tiny", "--no-peers", "--rounds", "1", "-q", "--cache",
                 str(tmp_path), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].split()[:2] == ["id", "unit"] and f"wrote {out}" in text
    assert len(out.read_text().splitlines()) == 1


def test_bench_rejects_unknown_workloads_and_rounds(capsys):
    assert main(["bench", "W9"]) == 2
    assert "unknown workload 'W9'" in capsys.readouterr().err
    assert main(["bench", "W1", "--rounds", "0"]) == 2
