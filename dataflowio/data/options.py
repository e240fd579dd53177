"""`dataflowio.data.Options`: tf.data's options tree (optimization flags, threading, autotune).

Unset fields are None and mean "the default"; `merge` lets later settings win, as
`Dataset.with_options` does in tf.data.

>>> o = Options()
>>> o.experimental_optimization.map_fusion = True
>>> o.experimental_optimization.enabled_rules()[:3]
['filter_fusion', 'inject_prefetch', 'map_and_batch_fusion']
>>> o2 = Options(); o2.experimental_optimization.apply_default_optimizations = False
>>> o2.experimental_optimization.enabled_rules()
[]
"""

from __future__ import annotations

import copy
from typing import Any

from dataflowio.errors import InvalidArgumentError


class _OptionsGroup:
    """A bag of named options; unknown names are rejected so typos fail loudly."""

    _fields: dict[str, Any] = {}

    def __init__(self, **kwargs: Any) -> None:
        for k in self._fields:
            object.__setattr__(self, k, None)
        for k, v in kwargs.items():
            setattr(self, k, v)

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in self._fields:
            raise AttributeError(f"{type(self).__name__} has no option {key!r}; known: {sorted(self._fields)}.")
        object.__setattr__(self, key, value)

    def get(self, key: str) -> Any:
        """The value in force: the one set, else the default."""
        v = getattr(self, key)
        return self._fields[key] if v is None else v

    def _merge_from(self, other: _OptionsGroup) -> None:
        for k in self._fields:
            mine, theirs = getattr(self, k), getattr(other, k)
            if isinstance(mine, _OptionsGroup) and isinstance(theirs, _OptionsGroup):
                mine._merge_from(theirs)
            elif theirs is not None:
                object.__setattr__(self, k, copy.deepcopy(theirs))

    def as_dict(self) -> dict[str, Any]:
        out = {}
        for k in self._fields:
            v = getattr(self, k)
            out[k] = v.as_dict() if isinstance(v, _OptionsGroup) else v
        return out

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.as_dict() == other.as_dict()  # type: ignore[union-attr]

    def __repr__(self) -> str:
        set_ = {k: v for k, v in self.as_dict().items() if v is not None and v != {}}
        return f"{type(self).__name__}({set_})"


# Rules tf.data 2.21 applies by default; the rest are off unless switched on.
DEFAULT_ON = ("map_and_batch_fusion", "map_parallelization", "noop_elimination", "parallel_batch",
              "shuffle_and_repeat_fusion", "inject_prefetch")
# Ours, also on by default (see dataflowio/data/optimize/__init__.py): map_fusion and
# filter_fusion (off in tf.data; always safe for the stateless functions they fuse),
# vectorized_map, vectorized_filter, source_pushdown and zero_copy_batch (dataflowio's own rules).
OURS_ON = ("map_fusion", "filter_fusion", "vectorized_map", "vectorized_filter", "source_pushdown",
           "zero_copy_batch")


def node_deterministic(value: bool | None, ctx: Any) -> bool:
    """A transformation's `deterministic` in force: its own value, else the pipeline options'
    (`Options().deterministic`, default True).

    >>> node_deterministic(None, None), node_deterministic(False, None)
    (True, False)
    """
    if value is not None:
        return bool(value)
    options = getattr(ctx, "options", None)
    return options.effective_deterministic if options is not None else True


class OptimizationOptions(_OptionsGroup):
    """`options.experimental_optimization`: which plan rewrites run (see `Dataset.explain()`)."""

    _fields = {
        "apply_default_optimizations": True,
        "filter_fusion": True,
        "filter_parallelization": False,
        "inject_prefetch": True,
        "map_and_batch_fusion": True,
        "map_and_filter_fusion": False,
        "map_fusion": True,
        "map_parallelization": True,
        "noop_elimination": True,
        "parallel_batch": True,
        "shuffle_and_repeat_fusion": True,
        "seq_interleave_prefetch": False,
        "source_pushdown": True,
        "vectorized_filter": True,
        "vectorized_map": True,
        "zero_copy_batch": True,
    }

    def enabled_rules(self) -> list[str]:
        """Names of the rules in force, sorted. Defaults apply only with apply_default_optimizations."""
        defaults = bool(self.get("apply_default_optimizations"))
        out = []
        for k, default in self._fields.items():
            if k == "apply_default_optimizations":
                continue
            v = getattr(self, k)
            if v is True or (v is None and defaults and default):
                out.append(k)
        return sorted(out)


class ThreadingOptions(_OptionsGroup):
    """`options.threading`: thread counts (None = a sensible default for this machine)."""

    _fields = {"max_intra_op_parallelism": None, "private_threadpool_size": None,
               "executor": "thread"}  # dataflowio: "process" runs parallel maps in processes


class AutotuneOptions(_OptionsGroup):
    """`options.autotune`: AUTOTUNE's switch and budgets (ram_budget in bytes; 0 = automatic)."""

    _fields = {"enabled": True, "cpu_budget": 0, "ram_budget": 0, "autotune_algorithm": None}


class Options(_OptionsGroup):
    """tf.data.Options: attach with `Dataset.with_options(options)`."""

    _fields = {
        "autotune": None,
        "deterministic": None,
        "experimental_deterministic": None,
        "experimental_distribute": None,
        "experimental_external_state_policy": None,
        "experimental_optimization": None,
        "experimental_slack": False,
        "experimental_symbolic_checkpoint": False,
        "experimental_warm_start": False,
        "threading": None,
        "experimental_threading": None,
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        object.__setattr__(self, "autotune", AutotuneOptions())
        object.__setattr__(self, "experimental_optimization", OptimizationOptions())
        object.__setattr__(self, "threading", ThreadingOptions())
        object.__setattr__(self, "experimental_threading", self.threading)

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "experimental_deterministic":
            key = "deterministic"
        if key == "deterministic" and value is not None and not isinstance(value, bool):
            raise InvalidArgumentError(f"Options.deterministic must be a bool or None, got {value!r}.")
        super().__setattr__(key, value)

    @property
    def effective_deterministic(self) -> bool:
        """`deterministic` in force (default True)."""
        return self.deterministic is not False

    def merge(self, other: Options | None) -> Options:
        """A new Options with `other`'s set values taking precedence over ours."""
        out = copy.deepcopy(self)
        if other is not None:
            out._merge_from(other)
        return out
