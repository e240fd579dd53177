"""`train.Saver`: save / restore variable values to checkpoint files, plus `latest_checkpoint`.

A checkpoint `prefix` is two files: `prefix.index` (JSON: names, shapes, dtypes) and
`prefix.data-00000-of-00001` (a NumPy `.npz` archive). The directory's `checkpoint` file names
the latest checkpoints in TensorFlow's text format.

>>> import tempfile, os
>>> from dataflowio.graph.api import Variable, Session, Graph, global_variables_initializer
>>> d = tempfile.mkdtemp()
>>> with Graph().as_default():
...     v = Variable([1.0, 2.0], name="v"); saver = Saver()
...     with Session() as s:
...         s.run(global_variables_initializer())
...         path = saver.save(s, os.path.join(d, "model"), global_step=7)
...     with Session() as s:
...         saver.restore(s, latest_checkpoint(d)); print(os.path.basename(path), s.run(v).tolist())
model-7 [1.0, 2.0]
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from dataflowio.errors import InvalidArgumentError, NotFoundError
from dataflowio.graph.backend import to_host
from dataflowio.graph.ops.state import read
from dataflowio.graph.variables import Variable, global_variables


class CheckpointNotFoundError(NotFoundError, ValueError):
    """No checkpoint at the given path (TF1 raises ValueError here, TF2 NotFoundError)."""


def _data_path(prefix: str) -> str:
    return prefix + ".data-00000-of-00001"


class Saver:
    """Saves and restores variables (default: all global variables, by their op names)."""

    def __init__(self, var_list: Any = None, reshape: bool = False, sharded: bool = False,
                 max_to_keep: int = 5, keep_checkpoint_every_n_hours: float = 10000.0,
                 name: str | None = None, restore_sequentially: bool = False, saver_def: Any = None,
                 builder: Any = None, defer_build: bool = False, allow_empty: bool = False,
                 write_version: Any = None, pad_step_number: bool = False,
                 save_relative_paths: bool = False, filename: str | None = None) -> None:
        if var_list is None:
            var_list = global_variables()
        if isinstance(var_list, dict):
            self._vars = {str(k): v for k, v in var_list.items()}
        else:
            self._vars = {v.op.name: v for v in var_list}
        for k, v in self._vars.items():
            if not isinstance(v, Variable):
                raise TypeError(f"Saver: {k!r} maps to {type(v).__name__}, expected a Variable.")
        if not self._vars and not allow_empty:
            raise ValueError("No variables to save")
        self._max_to_keep = max_to_keep
        self._kept: list[str] = []

    def save(self, sess: Any, save_path: str, global_step: Any = None, latest_filename: str | None = None,
             meta_graph_suffix: str = "meta", write_meta_graph: bool = True, write_state: bool = True,
             strip_default_attrs: bool = False, save_debug_info: bool = False) -> str:
        """Writes the variables' values in `sess`; returns the checkpoint prefix used."""
        if global_step is not None:
            step = global_step if isinstance(global_step, (int, np.integer)) else sess.run(global_step)
            save_path = f"{save_path}-{int(step)}"
        arrays = {name: np.asarray(to_host(read(sess._ctx, v._key))) for name, v in self._vars.items()}
        directory = os.path.dirname(os.path.abspath(save_path))
        if not os.path.isdir(directory):
            raise NotFoundError(f"Saver.save: parent directory of {save_path} doesn't exist, can't save.")
        with open(_data_path(save_path), "wb") as f:
            np.savez(f, **{f"v{i}": a for i, a in enumerate(arrays.values())})
        index = {name: {"slot": f"v{i}", "shape": list(a.shape), "dtype": str(a.dtype)}
                 for i, (name, a) in enumerate(arrays.items())}
        with open(save_path + ".index", "w") as f:
            json.dump({"format": "dataflowio-checkpoint-1", "variables": index}, f)
        if save_path in self._kept:
            self._kept.remove(save_path)
        self._kept.append(save_path)
        while self._max_to_keep and len(self._kept) > self._max_to_keep:
            old = self._kept.pop(0)
            for p in (old + ".index", _data_path(old)):
                if os.path.exists(p):
                    os.remove(p)
        if write_state:
            self._write_state(directory, save_path, latest_filename or "checkpoint")
        return save_path

    def _write_state(self, directory: str, latest: str, filename: str) -> None:
        def rel(p: str) -> str:
            return os.path.relpath(p, directory) if os.path.dirname(os.path.abspath(p)) == directory else p

        lines = [f'model_checkpoint_path: "{rel(latest)}"']
        lines += [f'all_model_checkpoint_paths: "{rel(p)}"' for p in self._kept]
        with open(os.path.join(directory, filename), "w") as f:
            f.write("\n".join(lines) + "\n")

    def restore(self, sess: Any, save_path: str) -> None:
        """Loads the variables' values from checkpoint `save_path` into `sess`."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        if not os.path.exists(save_path + ".index"):
            raise CheckpointNotFoundError(f"The passed save_path is not a valid checkpoint: {save_path}")
        with open(save_path + ".index") as f:
            index = json.load(f)["variables"]
        with np.load(_data_path(save_path)) as data:
            for name, v in self._vars.items():
                entry = index.get(name)
                if entry is None:
                    raise NotFoundError(f"Key {name} not found in checkpoint {save_path}")
                value = data[entry["slot"]]
                if not v.shape.is_compatible_with(value.shape):
                    raise InvalidArgumentError(
                        f"Restoring {name} from {save_path}: checkpoint shape {list(value.shape)} does not "
                        f"match the variable's shape {list(v.shape)}.")
                sess._ctx.vars[v._key] = value.astype(v.dtype.np, copy=True)

    @property
    def last_checkpoints(self) -> list[str]:
        return list(self._kept)


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """Returns the newest checkpoint prefix recorded in `checkpoint_dir`, or None."""
    path = os.path.join(checkpoint_dir, latest_filename or "checkpoint")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            if line.startswith("model_checkpoint_path:"):
                p = line.split(":", 1)[1].strip().strip('"')
                full = p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
                return full if os.path.exists(full + ".index") else None
    return None


def checkpoint_exists(checkpoint_prefix: str) -> bool:
    return os.path.exists(checkpoint_prefix + ".index")
