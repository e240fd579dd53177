"""The MNIST training loop behind `dataflowio train-mnist`: pipeline -> graph -> session, checkpoints.

`train(TrainConfig(...))` loads the data (`mnist_input`), builds the model graph (`mnist_models`)
on the pipeline's `get_next()` tensors, runs `sess.run(train_op)` until the input ends (or
`steps`), evaluates on the test set and returns a `TrainResult`. A checkpoint (`save` / `restore`)
is a folder holding the variables (`tf.train.Saver`, optimizer slots included), the input
iterator's position (`it.save()`) and the configuration, written atomically.

>>> TrainConfig(model="softmax").resolved().optimizer
'sgd'
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from dataflowio.train.mnist_models import DEFAULTS

DEFAULT_MODEL = "mlp"
CHECKPOINT_JSON = "trainer.json"
INPUT_JSON = "input.json"
VARIABLES_PREFIX = "model.ckpt"
# Settings a checkpoint fixes: the input pipeline and the graph must be rebuilt identically.
FIXED_BY_CHECKPOINT = ("model", "epochs", "batch_size", "lr", "optimizer", "seed", "limit")


@dataclass
class TrainConfig:
    """What to train; `None` fields take the model's defaults (see `mnist_models.DEFAULTS`)."""

    data: str | None = None
    model: str | None = None
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    optimizer: str | None = None
    device: str = "cpu"
    seed: int | None = None
    limit: int | None = None
    steps: int | None = None
    save: str | None = None
    save_every: int | None = None
    restore: str | None = None
    download: bool = True
    quiet: bool = False
    stats: bool = False

    def resolved(self) -> TrainConfig:
        """Returns a copy with every unset hyper-parameter filled from the model's defaults."""
        model = self.model or DEFAULT_MODEL
        d = DEFAULTS[model]
        return replace(self, model=model, epochs=self.epochs or d.epochs,
                       batch_size=self.batch_size or d.batch_size, lr=self.lr or d.lr,
                       optimizer=self.optimizer or d.optimizer,
                       seed=0 if self.seed is None else self.seed)


@dataclass
class TrainResult:
    """What a run achieved."""

    accuracy: float
    global_step: int
    epochs: float
    seconds: float
    examples_per_second: float
    last_loss: float
    device: str
    weights: dict[str, np.ndarray]


def _log(config: TrainConfig, line: str) -> None:
    if not config.quiet:
        print(line, flush=True)


def merge_checkpoint_config(config: TrainConfig) -> tuple[TrainConfig, dict[str, Any]]:
    """Returns `config` completed from the checkpoint in `config.restore`, and the checkpoint data.

    Raises:
      NotFoundError: no checkpoint there.
      InvalidArgumentError: a setting the checkpoint fixes was given with a different value.
    """
    from dataflowio.errors import InvalidArgumentError, NotFoundError

    path = Path(config.restore) / CHECKPOINT_JSON
    if not path.is_file():
        raise NotFoundError(f"train-mnist: --restore {config.restore}: no checkpoint there "
                            f"({CHECKPOINT_JSON} missing); make one with --save DIR.")
    ckpt = json.loads(path.read_text())
    saved = ckpt["config"]
    changes: dict[str, Any] = {}
    for key in FIXED_BY_CHECKPOINT:
        given = getattr(config, key)
        if given is not None and given != saved[key]:
            raise InvalidArgumentError(
                f"train-mnist: --{key.replace('_', '-')} {given} differs from the checkpoint in "
                f"{config.restore} ({saved[key]}); a resumed run must rebuild the same pipeline "
                "and model: leave it out.")
        changes[key] = saved[key]
    if config.data is None:
        changes["data"] = saved.get("data")
    return replace(config, **changes), ckpt


def gpu_available() -> tuple[bool, str]:
    """Returns (whether CuPy sees a CUDA device, why not)."""
    try:
        import cupy
    except ImportError:
        return False, "CuPy is not installed (pip install 'dataflowio[gpu]')"
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # noqa: BLE001 - any CUDA failure means no usable device
        return False, f"CUDA is not usable ({type(e).__name__}: {e})"
    return (n > 0), "no CUDA device found"


class _FeedInput:
    """Input by feed_dict: the Dataset's Python iterator fills two placeholders each step."""

    def __init__(self, tf: Any, ds: Any) -> None:
        self._ds = ds
        self._it: Any = None
        self.x = tf.placeholder(tf.float32, [None, 784], name="images")
        self.y = tf.placeholder(tf.int64, [None], name="labels")

    def start(self, sess: Any) -> None:
        self._it = iter(self._ds)

    def feed(self) -> dict[Any, Any]:
        images, labels = next(self._it)  # StopIteration at the end of the last epoch
        return {self.x: images, self.y: labels}

    def save_to(self, path: str) -> None:
        from dataflowio.data.experimental import save_iterator

        save_iterator(self._it, path)

    def restore_from(self, path: str) -> None:
        from dataflowio.data.experimental import restore_iterator

        restore_iterator(self._it, path)

    def stats(self) -> dict[str, Any]:
        return self._it.stats()

    def close(self) -> None:
        if self._it is not None:
            self._it.close()


class _GraphInput:
    """Input through the graph: a one-shot iterator's `get_next()` tensors feed the model directly
    (no feed_dict). The position is that of the Python iterator the session runs behind it."""

    def __init__(self, tf: Any, ds: Any) -> None:
        self._it = tf.data.make_one_shot_iterator(ds)
        self.x, self.y = self._it.get_next()
        self._sess: Any = None

    def start(self, sess: Any) -> None:
        self._sess = sess

    def feed(self) -> None:
        return None

    def _python_iterator(self) -> Any:
        # NOTE: the session keeps one Python iterator per graph iterator in its resources (see
        # dataflowio.graph.iterator_ops); a one-shot iterator opens it on first use, so open it
        # here when a restore comes first.
        from dataflowio.graph import iterator_ops

        resources = self._sess._ctx.resources
        if self._it._key not in resources:
            resources[self._it._key] = iterator_ops._open(self._it._dataset, None)
        return resources[self._it._key]

    def save_to(self, path: str) -> None:
        from dataflowio.data.experimental import save_iterator

        save_iterator(self._python_iterator(), path)

    def restore_from(self, path: str) -> None:
        from dataflowio.data.experimental import restore_iterator

        restore_iterator(self._python_iterator(), path)

    def stats(self) -> dict[str, Any]:
        return self._python_iterator().stats()

    def close(self) -> None:
        pass  # the session closes its iterators


INPUT_BRIDGES = {"graph": _GraphInput, "feed": _FeedInput}


def _build(tf: Any, config: TrainConfig, ds: Any, bridge: str) -> dict[str, Any]:
    """Builds the graph: input bridge, model, loss, train op, eval op, saver, initializer."""
    from dataflowio.train.mnist_models import build, make_optimizer

    inp = INPUT_BRIDGES[bridge](tf, ds)
    device = "/gpu:0" if config.device == "gpu" else "/cpu:0"
    with tf.device(device):
        model = build(config.model, tf, config.seed)
        logits = model.logits(inp.x)
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=inp.y, logits=logits))
        train_op = make_optimizer(tf, config.optimizer, config.lr).minimize(loss)
        x_eval = tf.placeholder(tf.float32, [None, 784], name="x_eval")
        y_eval = tf.placeholder(tf.int64, [None], name="y_eval")
        correct = tf.reduce_sum(tf.cast(
            tf.equal(tf.argmax(model.logits(x_eval), 1), y_eval), tf.float32))
    return {"input": inp, "loss": loss, "train_op": train_op, "x_eval": x_eval, "y_eval": y_eval,
            "correct": correct, "params": model.params, "saver": tf.train.Saver(),
            "init": tf.global_variables_initializer()}


def evaluate(sess: Any, g: dict[str, Any], x: np.ndarray, y: np.ndarray, batch: int = 2000) -> float:
    """Returns the accuracy of the model on `(x, y)`, evaluated in batches."""
    right = 0.0
    for i in range(0, len(x), batch):
        right += float(sess.run(g["correct"], feed_dict={g["x_eval"]: x[i:i + batch],
                                                          g["y_eval"]: y[i:i + batch]}))
    return right / max(len(x), 1)


def save_checkpoint(folder: str, sess: Any, g: dict[str, Any], config: TrainConfig, step: int) -> None:
    """Writes variables, input position and config to `folder` atomically (a new folder renamed)."""
    from dataflowio.datasets.atomic import atomic_path

    with atomic_path(folder) as tmp:
        os.makedirs(tmp)
        g["saver"].save(sess, os.path.join(tmp, VARIABLES_PREFIX))
        g["input"].save_to(os.path.join(tmp, INPUT_JSON))
        keep = {k: v for k, v in asdict(config).items()
                if k not in ("save", "restore", "quiet", "save_every", "steps", "stats")}
        with open(os.path.join(tmp, CHECKPOINT_JSON), "w") as f:
            json.dump({"version": 1, "config": keep, "global_step": step}, f)


class _StepBoundaryInterrupts:
    """Defers Ctrl-C to the end of the current step, so a checkpoint never splits a step.

    The first SIGINT sets `requested` (the loop stops after the step and saves); a second one
    interrupts at once. Only installed in the main thread.
    """

    def __init__(self) -> None:
        self.requested = False
        self._old: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _StepBoundaryInterrupts:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _host(value: Any) -> Any:
    """A NumPy copy of a NumPy or CuPy array."""
    return value.get() if hasattr(value, "get") and not isinstance(value, np.ndarray) else value


def train(config: TrainConfig, tf: Any = None, bridge: str = "graph") -> TrainResult:
    """Trains as `config` says; returns the test accuracy and run figures (see the module doc)."""
    from dataflowio.cli.progress import make as make_bar
    from dataflowio.datasets import mnist
    from dataflowio.errors import OutOfRangeError
    from dataflowio.train import mnist_input

    if tf is None:
        import dataflowio as tf
    ckpt: dict[str, Any] | None = None
    if config.restore:
        config, ckpt = merge_checkpoint_config(config)
        if config.save is None:  # keep checkpointing where the run came from
            config = replace(config, save=config.restore)
    config = config.resolved()
    if config.device == "gpu":
        ok, why = gpu_available()
        if not ok:
            print(f"train-mnist: --device gpu: {why}; training on the CPU instead.", file=sys.stderr)
            config = replace(config, device="cpu")
    folder = config.data or str(mnist.default_data_dir())
    config = replace(config, data=folder)
    data = mnist_input.load(folder, limit=config.limit, download=config.download)
    steps_per_epoch = math.ceil(data.num_train / config.batch_size)
    total = steps_per_epoch * config.epochs
    if config.steps is not None:
        total = min(total, config.steps)

    graph = tf.Graph()
    with graph.as_default():
        ds = mnist_input.pipeline(data, config.batch_size, config.epochs, config.seed, config.device)
        g = _build(tf, config, ds, bridge)
    sess = tf.Session(graph=graph)
    step = 0
    try:
        sess.run(g["init"])
        g["input"].start(sess)
        if ckpt is not None:
            g["saver"].restore(sess, os.path.join(config.restore, VARIABLES_PREFIX))
            g["input"].restore_from(os.path.join(config.restore, INPUT_JSON))
            step = int(ckpt["global_step"])
            _log(config, f"resumed from {config.restore} at step {step} "
                         f"(epoch {step // steps_per_epoch + 1}, batch {step % steps_per_epoch})")
        _log(config, f"train-mnist: {config.model} on {data.num_train} {data.kind} examples, "
                     f"{config.epochs} epochs x {steps_per_epoch} steps of {config.batch_size}, "
                     f"{config.optimizer} lr {config.lr}, device {config.device}")
        start_step, t0 = step, time.perf_counter()
        bar = make_bar(total, "step", config.quiet, initial=step)
        epoch_losses: list[float] = []
        last_loss = float("nan")
        epoch_t0 = t0
        clean_stop = False
        try:
            with _StepBoundaryInterrupts() as interrupts:
                while step < total:
                    if interrupts.requested:
                        clean_stop = True
                        raise KeyboardInterrupt
                    try:
                        _, last_loss = sess.run([g["train_op"], g["loss"]], feed_dict=g["input"].feed())
                    except (OutOfRangeError, StopIteration):
                        break
                    step += 1
                    epoch_losses.append(float(last_loss))
                    bar.update(1)
                    if step % 20 == 0:
                        rate = (step - start_step) * config.batch_size / (time.perf_counter() - t0)
                        bar.set_postfix(loss=f"{float(last_loss):.4f}", ex_s=f"{rate:,.0f}")
                    if config.save and config.save_every and step % config.save_every == 0:
                        save_checkpoint(config.save, sess, g, config, step)
                    if step % steps_per_epoch == 0:
                        now = time.perf_counter()
                        rate = len(epoch_losses) * config.batch_size / max(now - epoch_t0, 1e-9)
                        bar.clear()
                        _log(config, f"epoch {step // steps_per_epoch}/{config.epochs}: "
                                     f"loss {np.mean(epoch_losses):.4f}, {rate:,.0f} examples/s, "
                                     f"{now - epoch_t0:.1f} s")
                        epoch_losses, epoch_t0 = [], now
        except KeyboardInterrupt:
            bar.close()
            if config.save and clean_stop:
                save_checkpoint(config.save, sess, g, config, step)
                print(f"train-mnist: interrupted at step {step}; checkpoint saved to {config.save} "
                      f"(continue with --restore {config.save})", file=sys.stderr)
            elif config.save:
                print(f"train-mnist: interrupted inside step {step + 1}; no new checkpoint written",
                      file=sys.stderr)
            raise
        bar.close()
        seconds = time.perf_counter() - t0
        if config.save:
            save_checkpoint(config.save, sess, g, config, step)
            _log(config, f"checkpoint saved to {config.save} at step {step}")
        if config.stats:
            from dataflowio.data.runtime.stats import format_table

            print("input pipeline stages (it.stats()):\n" + format_table(g["input"].stats()))
        accuracy = evaluate(sess, g, data.x_test, data.y_test)
        weights = {k: np.asarray(_host(v)) for k, v in sess.run(g["params"]).items()}
    finally:
        g["input"].close()
        sess.close()
    done = step - start_step
    return TrainResult(accuracy=accuracy, global_step=step, epochs=step / steps_per_epoch,
                       seconds=seconds, examples_per_second=done * config.batch_size / max(seconds, 1e-9),
                       last_loss=float(last_loss), device=config.device, weights=weights)
