"""map(parse_single_example) -> batch parses a whole chunk at once, with the same elements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import dataflowio as dfio
from dataflowio.data import Dataset
from dataflowio.data.ops.map_and_batch import MapAndBatchIterator
from tests.data.optimize.test_law import elements, only
from tests.harness import assert_same_elements


def write_records(path: Path, n: int) -> str:
    rng = np.random.default_rng(5)
    with dfio.io.TFRecordWriter(str(path)) as w:
        for i in range(n):
            img = rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
            ex = dfio.io.Example(features=dfio.io.Features(feature={
                "image_raw": dfio.io.Feature(bytes_list=dfio.io.BytesList(value=[img])),
                "label": dfio.io.Feature(int64_list=dfio.io.Int64List(value=[i % 10])),
                "tags": dfio.io.Feature(int64_list=dfio.io.Int64List(value=list(range(i % 3)))),
            }))
            w.write(ex.SerializeToString())
    return str(path)


FEATURES = {"image_raw": dfio.io.FixedLenFeature([], dfio.string),
            "label": dfio.io.FixedLenFeature([], dfio.int64)}


def w1_like(path: str) -> Dataset[Any]:
    ds = dfio.data.TFRecordDataset(path)
    ds = ds.map(lambda r: dfio.io.parse_single_example(r, FEATURES))
    ds = ds.map(lambda d: (dfio.cast(dfio.io.decode_raw(d["image_raw"], dfio.uint8), dfio.float32) / 255.0,
                           d["label"]))
    return ds.batch(8)


def test_parse_then_batch_is_vectorized_and_identical(tmp_path: Path) -> None:
    path = write_records(tmp_path / "w1.tfrecord", 50)
    fired = w1_like(path).explain(as_dict=True)["fired"]
    assert fired.get("vectorized_map") == 2 and fired.get("map_and_batch_fusion") == 1
    it = iter(w1_like(path))
    got = list(it)
    stage = it.root
    while not isinstance(stage, MapAndBatchIterator):
        stage = stage.sources[0]
    assert stage._map.trial.decision is True, stage._map.trial.reason
    assert_same_elements(got, elements(w1_like(path), only()), "W1-like")
    assert [b.shape for _, b in got][-1] == (2,)


def test_outside_a_batched_call_a_vector_of_records_is_still_an_error(tmp_path: Path) -> None:
    import pytest

    with pytest.raises(dfio.errors.InvalidArgumentError, match="must be a scalar"):
        dfio.io.parse_single_example(np.array([b"", b""], dtype=object), FEATURES)
