"""prefetch_to_device / copy_to_device: CPU fallback everywhere, CuPy copies on a GPU machine."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dataflowio.data import Dataset
from dataflowio.data import device as device_mod
from dataflowio.data.experimental import copy_to_device, prefetch_to_device
from dataflowio.errors import FailedPreconditionError, InvalidArgumentError
from tests.conftest import wait_for_no_dataflowio_threads

pytestmark = pytest.mark.timeout(120)


def _batches(n=6):
    x = np.arange(n * 4 * 3, dtype=np.float32).reshape(n * 4, 3)
    return Dataset.from_tensor_slices((x, np.arange(n * 4))).batch(4)


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(device_mod, "gpu_problem", lambda index=0: "`cupy` is not installed (test)")
    device_mod._warned.clear()


def test_without_gpu_soft_placement_runs_on_cpu_and_warns_once(no_gpu):
    with pytest.warns(RuntimeWarning, match=r"/gpu:0 unavailable \(`cupy` is not installed"):
        got = [(a.tolist(), b.tolist()) for a, b in _batches().apply(prefetch_to_device("/gpu:0", 2))]
    ref = [(a.tolist(), b.tolist()) for a, b in _batches()]
    assert got == ref
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second time: no warning
        list(_batches().apply(prefetch_to_device("/gpu:0")))
    assert wait_for_no_dataflowio_threads() == []


def test_without_gpu_strict_mode_names_the_missing_piece(no_gpu):
    ds = _batches().apply(prefetch_to_device("/gpu:0", 2, strict=True))
    with pytest.raises(FailedPreconditionError, match="cannot place on /gpu:0: `cupy` is not installed"):
        list(ds)


def test_copy_to_cpu_is_a_pass_through():
    assert [int(v) for v in Dataset.range(3).apply(copy_to_device("/cpu:0"))] == [0, 1, 2]


def test_bad_device_string_is_rejected_at_construction():
    with pytest.raises(InvalidArgumentError, match="cannot parse device 'tpu:0'"):
        Dataset.range(3).apply(prefetch_to_device("tpu:0"))


def test_prefetch_to_device_checkpoint_roundtrip_on_any_machine():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = Dataset.range(10).apply(prefetch_to_device("/gpu:0", 3))
        it = iter(ds)
        head = [int(next(it)) for _ in range(4)]
        state = it.save()
        it2 = iter(ds)
        it2.restore(state)
        assert head + [int(v) for v in it2] == list(range(10))


# ---- on a machine with CuPy and a CUDA device ---------------------------------------------------


@pytest.mark.gpu
def test_prefetch_to_device_yields_cupy_arrays_with_the_same_values():
    import cupy

    got = list(_batches().apply(prefetch_to_device("/gpu:0", 2)))
    ref = list(_batches())
    assert len(got) == len(ref)
    for (ga, gb), (ra, rb) in zip(got, ref):
        assert isinstance(ga, cupy.ndarray) and isinstance(gb, cupy.ndarray)
        assert ga.dtype == ra.dtype and ga.shape == ra.shape
        np.testing.assert_array_equal(cupy.asnumpy(ga), ra)
        np.testing.assert_array_equal(cupy.asnumpy(gb), rb)
    assert wait_for_no_dataflowio_threads() == []


@pytest.mark.gpu
def test_strings_stay_on_the_host_and_copy_back_to_cpu_round_trips():
    import cupy

    ds = Dataset.from_tensor_slices((np.arange(4.0), [b"a", b"b", b"c", b"d"])).batch(2)
    out = list(ds.apply(copy_to_device("/gpu:0")))
    assert isinstance(out[0][0], cupy.ndarray) and out[0][1].dtype == object
    back = list(ds.apply(copy_to_device("/gpu:0")).apply(copy_to_device("/cpu:0")))
    assert isinstance(back[0][0], np.ndarray) and back[1][0].tolist() == [2.0, 3.0]


@pytest.mark.gpu
def test_device_stage_reports_copy_time_hidden_and_exposed():
    it = iter(_batches(20).apply(prefetch_to_device("/gpu:0", 2)))
    list(it)
    rec = next(r for r in it.stats()["stages"] if "to_device" in r["stage"])
    assert rec["copy_s"] > 0 and rec["device"] == "gpu:0"
    assert rec["hidden_s"] + rec["exposed_s"] == pytest.approx(rec["copy_s"])
    it.close()
    assert wait_for_no_dataflowio_threads() == []


@pytest.mark.gpu
def test_gpu_checkpoint_restore_gives_the_remaining_batches():
    import cupy

    ds = _batches(8).apply(prefetch_to_device("/gpu:0", 2))
    it = iter(ds)
    head = [cupy.asnumpy(next(it)[1]).tolist() for _ in range(3)]
    state = it.save()
    rest = [cupy.asnumpy(b).tolist() for _, b in it]
    it2 = iter(ds)
    it2.restore(state)
    assert [cupy.asnumpy(b).tolist() for _, b in it2] == rest
    assert head + rest == [b.tolist() for _, b in _batches(8)]
