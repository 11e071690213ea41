"""tools/release.py's clamping of setuptools sdists: rebuilds of one commit, made at different
times, must come out byte-identical."""

from __future__ import annotations

import io
import sys
import tarfile

from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import release


def sdist(path, mtime: float) -> None:
    """An sdist as setuptools writes one: times of the build, in pax headers too."""
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data in (("pkg-0.1/PKG-INFO", b"Name: pkg\n"), ("pkg-0.1/setup.py", b"")):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.uid, info.uname = len(data), mtime, 1000, "builder"
            info.pax_headers = {"mtime": f"{mtime:.6f}"}
            tar.addfile(info, io.BytesIO(data))


def test_sdists_built_at_different_times_become_identical(tmp_path):
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    sdist(first, 1_800_000_000.25)
    sdist(second, 1_800_000_777.5)
    assert first.read_bytes() != second.read_bytes()
    for path in (first, second):
        release.clamp_sdist(path, 1_700_000_000)
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["pkg-0.1/PKG-INFO", "pkg-0.1/setup.py"]
        assert {m.mtime for m in members} == {1_700_000_000}
        assert {(m.uid, m.uname) for m in members} == {(0, "")}
        assert tar.extractfile(members[0]).read() == b"Name: pkg\n"
