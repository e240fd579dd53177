"""`dataflowio.datasets.atomic`: results appear whole or not at all."""

from __future__ import annotations

import os

import pytest

from dataflowio.datasets.atomic import (
    AtomicGroup,
    atomic_path,
    leftover_temporaries,
    write_bytes_atomic,
)


def test_atomic_path_keeps_old_content_when_interrupted(tmp_path):
    target = tmp_path / "out"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        with open(tmp, "wb") as f:
            f.write(b"half")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and leftover_temporaries(tmp_path) == []


def test_atomic_path_replaces_directories(tmp_path):
    target = tmp_path / "ckpt"
    target.mkdir()
    (target / "stale").write_text("x")
    with atomic_path(target) as tmp:
        os.mkdir(tmp)
        open(os.path.join(tmp, "fresh"), "w").close()
    assert sorted(os.listdir(target)) == ["fresh"]
    assert sorted(os.listdir(tmp_path)) == ["ckpt"]


def test_group_commits_all_or_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="boom"), AtomicGroup() as g:
        open(g.path(tmp_path / "a"), "w").close()
        open(g.path(tmp_path / "b"), "w").close()
        raise RuntimeError("boom")
    assert os.listdir(tmp_path) == []
    with AtomicGroup() as g:
        open(g.path(tmp_path / "a"), "w").close()
    assert os.listdir(tmp_path) == ["a"]


def test_write_bytes_atomic(tmp_path):
    write_bytes_atomic(tmp_path / "f", b"123")
    assert (tmp_path / "f").read_bytes() == b"123" and leftover_temporaries(tmp_path) == []
