"""Front-end libraries are taken only when their content is the pinned one."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from steppe.web import assets


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_a_tarball_with_another_hash_is_refused() -> None:
    """One changed byte and the package is not used."""
    data = tarball({"package/dist/lib.js": b"ok"})
    assets.verify(data, integrity(data))
    with pytest.raises(assets.AssetError, match="integrity mismatch"):
        assets.verify(data + b"x", integrity(data))


def test_only_the_kept_files_are_unpacked_and_nothing_outside(tmp_path: Path) -> None:
    """The listed files land in the package's folder; others and `..` paths are skipped."""
    data = tarball(
        {
            "package/dist/lib.js": b"lib",
            "package/dist/images/a.png": b"png",
            "package/src/big.js": b"source",
            "package/../../evil.js": b"evil",
        }
    )
    package = assets.Package("lib", "1.0.0", integrity(data), ("dist/lib.js", "dist/images/"))
    written = assets.unpack(data, package, tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "lib/dist/images/a.png",
        "lib/dist/lib.js",
    ]
    assert not (tmp_path.parent / "evil.js").exists()
    missing = assets.Package("lib", "1.0.0", integrity(data), ("dist/other.js",))
    with pytest.raises(assets.AssetError, match=r"lacks dist/other\.js"):
        assets.unpack(data, missing, tmp_path)


def test_the_pinned_libraries_are_in_place_after_install() -> None:
    """The install step (`steppe assets`) left every pinned version unpacked."""
    assert assets.installed()
    for package in assets.PACKAGES:
        assert (assets.vendor_dir() / package.folder).is_dir()
