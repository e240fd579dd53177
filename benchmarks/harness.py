"""Runs workloads through several engines, alternating rounds, each engine in its own process.

Our engine's process never imports TensorFlow, so its peak RSS is ours alone (TensorFlow's import
is ~500 MB); the `tfrecord` package gets a third process (it cannot share one with TensorFlow).
Rounds alternate — ours, tf.data, ours, tf.data, ... — so machine noise hits both alike, and
each engine's result is the median of its rounds.

>>> engines_for("W7", available={"dataflowio", "tf"})
['dataflowio', 'dataflowio-noopt']
>>> engines_for("W1", available={"dataflowio", "tf", "tfrecord"})
['dataflowio', 'tf', 'tfrecord']
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import inputs

REPO = Path(__file__).resolve().parents[1]
PEERS = {"W7": "dataflowio-noopt"}  # the main peer per workload; tf.data elsewhere
SECOND_PEERS = {"W1": "tfrecord", "W2": "tfrecord"}
START_TIMEOUT_S = 120.0  # importing TensorFlow takes ~4 s; a busy machine, more
REQUEST_TIMEOUT_S = 300.0  # one round or one prepare; a hung engine is killed, the run goes on


def available_engines() -> set[str]:
    """Returns the engines installed here (found without importing them)."""
    found = {"dataflowio", "dataflowio-noopt"}
    for engine, module in (("tf", "tensorflow"), ("tfrecord", "tfrecord")):
        if importlib.util.find_spec(module) is not None:
            found.add(engine)
    return found


def engines_for(workload: str, available: set[str]) -> list[str]:
    """Returns the engines a workload runs on, ours first, in alternation order."""
    peer = PEERS.get(workload, "tf")
    out = ["dataflowio"]
    if peer in available or peer == "dataflowio-noopt":
        out.append(peer)
    second = SECOND_PEERS.get(workload)
    if second and second in available:
        out.append(second)
    return out


class EngineProcess:
    """A `benchmarks.worker` subprocess for one engine; `ask` sends a request and waits."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the process
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
                   TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
        self._proc = subprocess.Popen([sys.executable, "-m", "benchmarks.worker", engine], cwd=REPO, env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True)
        self._answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._pump, name="bench-reader", daemon=True).start()
        self.ready = self._read(START_TIMEOUT_S)

    def _pump(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.startswith("@@ "):
                self._answers.put(json.loads(line[3:]))
        self._answers.put(None)  # the process ended

    def _read(self, timeout: float) -> dict[str, Any]:
        try:
            answer = self._answers.get(timeout=timeout)
        except queue.Empty:
            self._proc.kill()
            return {"error": f"{self.engine} worker gave no answer within {timeout:.0f} s (killed)",
                    "traceback": self._tail()}
        if answer is None:
            return {"error": f"{self.engine} worker exited (code {self._proc.wait()})", "traceback": self._tail()}
        return answer

    def _tail(self) -> str:
        self._log.seek(0)
        return self._log.read()[-2000:]

    def ask(self, timeout: float = REQUEST_TIMEOUT_S, **req: Any) -> dict[str, Any]:
        if self._proc.poll() is not None:
            return {"error": f"{self.engine} worker is not running", "traceback": self._tail()}
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(req) + "\n")
            self._proc.stdin.flush()
        except OSError as e:
            return {"error": f"{self.engine} worker: {e}", "traceback": self._tail()}
        return self._read(timeout)

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")  # type: ignore[union-attr]
                self._proc.stdin.flush()  # type: ignore[union-attr]
                self._proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        self._log.close()


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def run_workload(workload: str, rounds: int, tiny: bool, root: str | None, engines: list[str],
                 pool: dict[str, EngineProcess] | None = None, warmup: int = 1,
                 log: Callable[[str], None] = lambda s: None,
                 budget_s: float | None = None) -> dict[str, dict[str, Any]]:
    """Returns per-engine measurements of one workload: rounds, median items/s, peak RSS, errors.

    `pool` reuses engine processes across workloads (peak RSS is then reset per workload);
    without it each engine gets a fresh process for this workload alone.
    """
    inputs.ensure(workload, tiny, root)  # generate in this process, once, before anyone times
    own = pool is None
    procs = {} if own else pool
    out: dict[str, dict[str, Any]] = {e: {"rounds": [], "error": None} for e in engines}
    try:
        for e in engines:
            if e not in procs:
                procs[e] = EngineProcess(e)
            ready = procs[e].ready
            reply = ready if "error" in ready else procs[e].ask(cmd="prepare", workload=workload, tiny=tiny,
                                                                 root=root, warmup=warmup, budget_s=budget_s)
            if "error" in reply:
                out[e]["error"] = reply["error"]
                out[e]["traceback"] = reply.get("traceback", "")
                log(f"{workload} {e}: {reply['error']}")
        for r in range(rounds):
            for e in engines:
                if out[e]["error"]:
                    continue
                reply = procs[e].ask(cmd="round", workload=workload)
                if "error" in reply:
                    out[e]["error"], out[e]["traceback"] = reply["error"], reply.get("traceback", "")
                    log(f"{workload} {e}: {reply['error']}")
                    continue
                out[e]["rounds"].append(reply["items_per_s"])
                if "accuracy" in reply:
                    out[e]["accuracy"] = reply["accuracy"]
                out[e]["items"] = reply["items"]
                if reply.get("cut"):
                    out[e]["cut"] = True
                cut = f" (cut at {budget_s:g} s, {reply['items']:,} items)" if reply.get("cut") else ""
                log(f"{workload} round {r + 1}/{rounds} {e}: {reply['items_per_s'] or 0:,.0f} items/s{cut}")
        for e in engines:
            rss = procs[e].ask(cmd="rss") if e in procs else {}
            out[e]["peak_rss_mb"] = rss.get("peak_rss_mb")
            out[e]["items_per_s"] = _median([v for v in out[e]["rounds"] if v])
    finally:
        if own:
            for p in procs.values():
                p.close()
    return out
