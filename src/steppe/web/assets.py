"""Front-end libraries the pages use, fetched from the npm registry at pinned versions.

No Node.js is needed: `steppe assets` (run by `make`'s install step) downloads each package's
tarball, checks it against the sha512 integrity hash pinned below (the one the registry publishes
for that version), and unpacks only the files the pages load into `web/static/vendor/`, a folder
git ignores. Nothing is loaded from a CDN when the pages are served. A run with everything already
in place downloads nothing.

To move a library to a new version: change its version and integrity here (the registry's
`dist.integrity` for that version), run `steppe assets`, and check the pages.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import urllib.request
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path, PurePosixPath

from steppe.errors import SteppeError

DEFAULT_REGISTRY = "https://registry.npmjs.org"
REGISTRY_VARIABLE = "STEPPE_ASSET_REGISTRY"  # a mirror of the npm registry, if one is used
STAMP = ".pinned.json"


class AssetError(SteppeError):
    """A front-end package could not be fetched, or its content is not what was pinned."""


@dataclass(frozen=True, slots=True)
class Package:
    """An npm package version and the files of it the pages load (paths inside `package/`)."""

    name: str
    version: str
    integrity: str
    keep: tuple[str, ...]

    @property
    def tarball(self) -> str:
        base = self.name.rsplit("/", 1)[-1]
        return f"{self.name}/-/{base}-{self.version}.tgz"

    @property
    def folder(self) -> str:
        return self.name.replace("/", "_")


PACKAGES: tuple[Package, ...] = (
    Package(
        "htmx.org",
        "2.0.4",
        "sha512-HLxMCdfXDOJirs3vBZl/ZLoY+c7PfM4Ahr2Ad4YXh6d"
        "22T5ltbTXFFkpx9Tgb2vvmWFMbIc3LqN2ToNkZJvyYQ==",
        ("dist/htmx.min.js", "LICENSE"),
    ),
    Package(
        "leaflet",
        "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTs"
        "sxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        ("dist/leaflet.js", "dist/leaflet.css", "dist/images/", "LICENSE"),
    ),
    Package(
        "leaflet.markercluster",
        "1.5.3",
        "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMF"
        "q+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        (
            "dist/leaflet.markercluster.js",
            "dist/MarkerCluster.css",
            "dist/MarkerCluster.Default.css",
            "MIT-LICENCE.txt",
        ),
    ),
    Package(
        "uplot",
        "1.6.31",
        "sha512-sQZqSwVCbJGnFB4IQjQYopzj5CoTZJ4Br1fG/xdONim"
        "qgHmsacvCjNesdGDypNKFbrhLGIeshYhy89FxPF+H+w==",
        ("dist/uPlot.iife.min.js", "dist/uPlot.min.css", "LICENSE"),
    ),
)


def vendor_dir() -> Path:
    return Path(str(files("steppe.web"))) / "static" / "vendor"


def _lock(packages: tuple[Package, ...]) -> dict[str, str]:
    return {p.name: f"{p.version} {p.integrity}" for p in packages}


def installed(target: Path | None = None, packages: tuple[Package, ...] = PACKAGES) -> bool:
    """Whether the pinned versions are unpacked in `target`."""
    stamp = (target or vendor_dir()) / STAMP
    try:
        return bool(json.loads(stamp.read_text()) == _lock(packages))
    except (OSError, ValueError):
        return False


def verify(data: bytes, integrity: str) -> None:
    """Raise AssetError unless `data` has the Subresource Integrity hash `integrity`."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise AssetError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise AssetError(f"integrity mismatch: expected {integrity}, got sha512-{actual}")


def unpack(data: bytes, package: Package, target: Path) -> list[Path]:
    """Write the kept files of a package's tarball under `target/<package>/`."""
    written: list[Path] = []
    root = target / package.folder
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            path = PurePosixPath(member.name)
            if path.is_absolute() or ".." in path.parts or len(path.parts) < 2:
                continue
            inner = PurePosixPath(*path.parts[1:])  # drop the leading `package/`
            if not any(_kept(str(inner), keep) for keep in package.keep):
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            destination = root / inner
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read())
            written.append(destination)
    missing = [k for k in package.keep if not any(_kept(_rel(w, root), k) for w in written)]
    if missing:
        raise AssetError(f"{package.name} {package.version} lacks {', '.join(missing)}")
    return written


def _kept(inner: str, keep: str) -> bool:
    return inner.startswith(keep) if keep.endswith("/") else inner == keep


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def fetch(package: Package, registry: str, *, timeout: float = 60.0) -> bytes:
    url = f"{registry.rstrip('/')}/{package.tarball}"
    if not url.startswith(("https://", "http://")):
        raise AssetError(f"not an http(s) registry: {registry!r}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - checked above
            data: bytes = answer.read()
    except OSError as exc:
        raise AssetError(f"{package.name} {package.version}: {exc}") from exc
    verify(data, package.integrity)
    return data


def install(
    target: Path | None = None,
    *,
    registry: str | None = None,
    packages: tuple[Package, ...] = PACKAGES,
    force: bool = False,
) -> list[str]:
    """Fetch, check and unpack every package unless the pinned set is already there; the names
    of the packages fetched."""
    target = target or vendor_dir()
    if not force and installed(target, packages):
        return []
    registry = registry or os.environ.get(REGISTRY_VARIABLE) or DEFAULT_REGISTRY
    target.mkdir(parents=True, exist_ok=True)
    fetched = []
    for package in packages:
        unpack(fetch(package, registry), package, target)
        fetched.append(f"{package.name}@{package.version}")
    (target / STAMP).write_text(json.dumps(_lock(packages), indent=1, sort_keys=True))
    return fetched
