"""list_files: sorted matches, shuffle by default (seeded, reshuffled each iteration), several
patterns, NotFoundError naming the pattern, tf.data parity."""

from __future__ import annotations

import os

import pytest

from dataflowio.data import Dataset
from dataflowio.errors import NotFoundError
from tests.data.ops.h3b_support import assert_same_as_tf, spec_summary, tf_list


@pytest.fixture
def folder(tmp_path):
    for name in ("b.txt", "a.txt", "c.txt", "d.csv"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub.txt").mkdir()
    return tmp_path


def _names(ds):
    return [os.path.basename(f) for f in ds]


def test_list_files_without_shuffle_is_sorted_and_includes_directories_as_tf_does(folder):
    names = [b"a.txt", b"b.txt", b"c.txt", b"sub.txt"]
    assert _names(Dataset.list_files(str(folder / "*.txt"), shuffle=False)) == names


def test_list_files_takes_several_patterns(folder):
    ds = Dataset.list_files([str(folder / "*.csv"), str(folder / "a*")], shuffle=False)
    assert _names(ds) == [b"d.csv", b"a.txt"]


def test_list_files_shuffles_by_default_deterministically_under_a_seed(folder):
    ds = Dataset.list_files(str(folder / "*"), seed=3)
    first = _names(ds)
    assert sorted(first) == [b"a.txt", b"b.txt", b"c.txt", b"d.csv", b"sub.txt"]
    assert _names(Dataset.list_files(str(folder / "*"), seed=3)) == first
    assert ds.cardinality() == 5


def test_list_files_raises_not_found_naming_the_pattern(folder):
    with pytest.raises(NotFoundError, match=r"no files matched pattern '.*\*\.json'"):
        Dataset.list_files(str(folder / "*.json"))


def test_list_files_matches_tf(tf, folder):
    pattern = str(folder / "*.txt")
    assert_same_as_tf(Dataset.list_files(pattern, shuffle=False), tf.data.Dataset.list_files(pattern, shuffle=False))
    ours, theirs = Dataset.list_files(pattern, seed=1), tf.data.Dataset.list_files(pattern, seed=1)
    assert spec_summary(ours.element_spec) == spec_summary(theirs.element_spec)
    assert ours.cardinality() == int(theirs.cardinality().numpy())
    assert sorted(ours) == sorted(tf_list(theirs))
