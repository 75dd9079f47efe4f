"""A Debian rootfs made with debootstrap, and per-service package layers captured from an overlay.

The rootfs is made once per content key and imported as the shared base image; each service
installs its packages in a chroot over an overlayfs whose upper dir, tarred, becomes its thin
layer. Everything mounted is unmounted in ``finally`` blocks, and no tree is deleted while
anything under it is still mounted.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from greenroom.errors import ImageError
from greenroom.images import engine

VARIANT = "minbase"
BASE_PACKAGES = ("ca-certificates", "curl")
# Host apt settings (snapshot validity, proxies) go into the build chroot, never into an image.
HOST_APT_PREFIX = "99greenroom-host-"
NODOC = """\
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
"""
CHROOT_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "DEBIAN_FRONTEND": "noninteractive",
    "LC_ALL": "C",
    "HOME": "/root",
}
# Never part of an image: apt's caches and logs, the build's own scaffolding, host-managed files.
EXCLUDED = (
    "var/cache/apt",
    "var/lib/apt/lists",
    "var/log/apt",
    "var/log/dpkg.log",
    "var/log/alternatives.log",
    "var/log/bootstrap.log",
    "var/cache/debconf/templates.dat-old",
    "var/cache/debconf/config.dat-old",
    "tmp",
    "run",
    "dev",
    "proc",
    "sys",
    "etc/resolv.conf",
    "etc/hosts",
    "etc/hostname",
    "usr/sbin/policy-rc.d",
)
# Left empty (not absent) in the base image: apt and the runtime expect these folders to exist.
KEEP_EMPTY = ("tmp", "run", "dev", "proc", "sys", "var/cache/apt", "var/lib/apt/lists")
DEBOOTSTRAP_HINT = "install it: `apt-get install debootstrap` (or run ./scripts/bootstrap)"


def ensure_rootfs(cache: Path, key: str, mirror: str, suite: str) -> Path:
    """The prepared rootfs for ``key`` (debootstrapped and apt-ready), made once and cached."""
    final = cache / "rootfs" / key
    if (final / ".complete").is_file():
        return final / "fs"
    if shutil.which("debootstrap") is None:
        raise ImageError(
            "debootstrap is not installed (local builds make their rootfs with it)",
            hint=DEBOOTSTRAP_HINT,
        )
    partial = cache / "rootfs" / f"{key}.partial-{os.getpid()}"
    safe_rmtree(partial)
    partial.mkdir(parents=True)
    try:
        fs = partial / "fs"
        engine.run(
            [
                "debootstrap",
                f"--variant={VARIANT}",
                f"--include={','.join(BASE_PACKAGES)}",
                suite,
                str(fs),
                mirror,
            ],
            what=f"debootstrap of Debian {suite} from {mirror} failed",
            hint=f"check that the mirror answers (`curl -I {mirror}/dists/{suite}/Release`) and "
            "that there is free disk space; `apt-get install debootstrap` if it is missing",
        )
        _prepare(fs, mirror, suite)
        (partial / ".complete").write_text(key)
        publish(partial, final)
    finally:
        safe_rmtree(partial)
    return final / "fs"


def _prepare(fs: Path, mirror: str, suite: str) -> None:
    (fs / "etc/apt/sources.list").write_text(f"deb {mirror} {suite} main\n")
    (fs / "etc/dpkg/dpkg.cfg.d/greenroom-nodoc").write_text(NODOC)
    policy = fs / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    for path in sorted(Path("/etc/apt/apt.conf.d").glob("*")):
        text = path.read_text(errors="replace") if path.is_file() else ""
        if "Acquire::" in text:
            (fs / "etc/apt/apt.conf.d" / f"{HOST_APT_PREFIX}{path.name}").write_text(text)
    with chroot_mounts(fs):
        chroot(fs, ["apt-get", "update", "-q"], what="apt-get update in the rootfs failed")


def chroot(root: Path, argv: Sequence[str], *, what: str) -> None:
    """Run ``argv`` inside ``root`` with a clean, minimal environment (no host variables)."""
    engine.run(
        ["chroot", str(root), *argv],
        what=what,
        env=CHROOT_ENV,
        hint="check the recipe's package names and that the mirror answers (`apt-get update`), "
        "then rerun `inv images --source local` (nothing half-built was kept)",
    )


@contextlib.contextmanager
def chroot_mounts(root: Path, binds: Sequence[tuple[Path, str]] = ()) -> Iterator[Path]:
    """/dev, a 1777 /dev/shm, /proc, name resolution and ``binds`` in ``root``, undone on exit."""
    mounted: list[Path] = []
    copied: list[Path] = []
    plan = [
        (root / "dev", ["mount", "--bind", "/dev"]),
        (root / "dev/shm", ["mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs"]),
        (root / "proc", ["mount", "-t", "proc", "proc"]),
        *((root / inside.lstrip("/"), ["mount", "--bind", str(src)]) for src, inside in binds),
    ]
    try:
        for target, argv in plan:
            target.mkdir(parents=True, exist_ok=True)
            engine.run(
                [*argv, str(target)],
                what=f"could not mount {target}",
                hint="local builds need root (mount, chroot); run as root or use "
                "`inv images --source registry`",
            )
            mounted.append(target)
        for name in ("resolv.conf", "hosts"):
            target = root / "etc" / name
            if not target.exists() and Path("/etc", name).is_file():
                shutil.copyfile(Path("/etc", name), target)
                copied.append(target)
        yield root
    finally:
        for target in copied:
            target.unlink(missing_ok=True)
        for target in reversed(mounted):
            unmount(target)


@contextlib.contextmanager
def overlay(lowers: Sequence[Path], scratch: Path) -> Iterator[tuple[Path, Path]]:
    """An overlayfs over ``lowers`` (topmost first): yields (merged, upper); unmounted on exit."""
    upper, work, merged = scratch / "upper", scratch / "work", scratch / "merged"
    for path in (upper, work, merged):
        path.mkdir(parents=True, exist_ok=True)
    lowerdir = ":".join(str(p) for p in lowers)
    engine.run(
        [
            "mount",
            "-t",
            "overlay",
            "overlay",
            "-o",
            f"lowerdir={lowerdir},upperdir={upper},workdir={work}",
            str(merged),
        ],
        what="could not mount an overlayfs for the package layer",
        hint="local builds need root and overlayfs support (modprobe overlay); or use "
        "`inv images --source registry`",
    )
    try:
        yield merged, upper
    finally:
        unmount(merged)


@dataclass(frozen=True)
class LayerPlan:
    """What goes into one layer: packages, then setup.sh, then the recipe's COPYs."""

    packages: tuple[str, ...] = ()
    setup: Path | None = None
    copies: tuple[tuple[Path, str], ...] = ()
    binds: tuple[tuple[Path, str], ...] = ()


def build_layer(lowers: Sequence[Path], plan: LayerPlan, scratch: Path) -> Path:
    """Run ``plan`` in a chroot over ``lowers``; return the overlay upper dir holding the change."""
    with overlay(lowers, scratch) as (merged, upper), chroot_mounts(merged, plan.binds):
        if plan.packages:
            chroot(
                merged,
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", *plan.packages],
                what=f"apt-get install {' '.join(plan.packages)} failed",
            )
        if plan.setup is not None:
            shutil.copyfile(plan.setup, merged / "tmp/greenroom-setup.sh")
            chroot(
                merged,
                ["/bin/sh", "-eu", "/tmp/greenroom-setup.sh"],
                what=f"{plan.setup.parent.name}/setup.sh failed in the chroot",
            )
        for source, dest in plan.copies:
            target = merged / dest.lstrip("/")
            if dest.endswith("/"):
                target = target / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            executable = source.suffix == ".sh" or source.stat().st_mode & 0o111
            target.chmod(0o755 if executable else 0o644)
        if plan.packages:
            chroot(merged, ["apt-get", "clean"], what="apt-get clean failed")
    return upper


def import_base(rootfs: Path, ref: str, changes: Sequence[str]) -> None:
    """``docker import`` the rootfs (caches, scaffolding and host files left out) as ``ref``."""
    excludes = [
        f"--exclude=./{path}/*" if path in KEEP_EMPTY else f"--exclude=./{path}"
        for path in EXCLUDED
    ]
    excludes.append(f"--exclude=./etc/apt/apt.conf.d/{HOST_APT_PREFIX}*")
    tar_cmd = ["tar", "-C", str(rootfs), "--numeric-owner", *excludes, "-c", "."]
    import_cmd = ["docker", "import"]
    for change in changes:
        import_cmd += ["--change", change]
    import_cmd += ["-", ref]
    with subprocess.Popen(tar_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as tar:
        try:
            engine.run(
                import_cmd,
                what=f"docker import of the base rootfs as {ref} failed",
                stdin=tar.stdout,
                hint=engine.engine_hint(),
            )
        finally:
            if tar.stdout:
                tar.stdout.close()
            stderr = tar.stderr.read().decode(errors="replace") if tar.stderr else ""
            tar.wait()
    if tar.returncode not in (0, 1):
        engine.remove(ref)
        raise ImageError(
            f"tar of the rootfs {rootfs} failed",
            details=stderr,
            hint=f"remove {rootfs.parent} and rerun `inv images --source local`",
        )


def unmount(target: Path) -> None:
    """Unmount ``target``; fall back to a lazy unmount when something still holds it."""
    result = subprocess.run(["umount", str(target)], capture_output=True, check=False)
    if result.returncode != 0 and _is_mounted(target):
        subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


def publish(partial: Path, final: Path, *, replace: bool = False) -> None:
    """Move a finished cache entry into place; another process's finished entry is kept."""
    if (final / ".complete").is_file() and not replace:
        safe_rmtree(partial)
        return
    safe_rmtree(final)
    try:
        partial.rename(final)
    except OSError:
        safe_rmtree(partial)
        if not (final / ".complete").is_file():
            raise


@contextlib.contextmanager
def build_lock(cache: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """One local build at a time per cache: a second `inv images` (or `inv up`) waits its turn."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / "build.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def safe_rmtree(path: Path) -> None:
    """Delete ``path``, unmounting anything below it first; refuse if a mount survives."""
    if not path.exists():
        return
    for mount in sorted(_mounts_under(path), key=lambda p: len(p.parts), reverse=True):
        unmount(mount)
    if _mounts_under(path):
        raise ImageError(
            f"{path} still has mounts under it; not deleting it",
            hint=f"unmount them (`findmnt -R {path}`, `umount -l ...`), then rerun",
        )
    shutil.rmtree(path, ignore_errors=True)


def _mounts_under(path: Path) -> list[Path]:
    prefix = str(path.resolve())
    found = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        target = fields[1].replace("\\040", " ") if len(fields) > 1 else ""
        if target == prefix or target.startswith(prefix + "/"):
            found.append(Path(target))
    return found


def _is_mounted(target: Path) -> bool:
    return Path(str(target.resolve())) in _mounts_under(target)
