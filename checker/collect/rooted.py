"""Files of a host image read through `--root DIR`, symlinks resolved inside the image.

What it is for: the collectors that read configuration files (socket_units, xinetd) when the
host under audit is a mounted image or a container tree. A path as written in the image's
configuration (`/etc/xinetd.d/echo`) means `DIR/etc/xinetd.d/echo`, and so does the absolute
target of a symlink found in the image: `DIR/etc/systemd/system/x.socket -> /usr/lib/...`
means `DIR/usr/lib/...`, never this machine's `/usr/lib/...`.

Resolution walks the path one component at a time and resolves every symlink itself, the
directories on the way included: letting the operating system follow a directory link with an
absolute target would read this machine's files in place of the image's. `..` never climbs
above the image's `/` (as in a chroot), a relative path is taken from the image's `/`, and more
than MAX_SYMLINK_HOPS links is a loop (ELOOP), as the kernel says.

Without a root the host itself is audited: paths are used as they are and the kernel follows
the links. Every file is read by checker/storage/inputs.py: regular files only, opened without
blocking, at most `MAX_CONFIG_FILE_BYTES` unless the caller bounds it otherwise.

What it must not do: read, list or stat anything outside the root when one is given; decide
what a missing or unreadable file means (each collector knows what its program does).
"""

from __future__ import annotations

import errno
import os

from checker.storage.inputs import read_bounded

MAX_CONFIG_FILE_BYTES = 1024 * 1024
"""Largest configuration file read (a unit file, an xinetd file): real ones are a few KiB."""

MAX_SYMLINK_HOPS = 40
"""Linux's MAXSYMLINKS: more links than this in one path is ELOOP."""

DEV_NULL = "/dev/null"
"""A link to it masks a unit; it need not exist inside an image."""


def error_text(exc: OSError) -> str:
    """`permission denied`: how a path that could not be listed or read is named in a reason."""
    return (exc.strerror or str(exc)).lower()


class RootedFiles:
    """File access inside an optional root directory, with symlinks resolved inside it."""

    def __init__(self, root: str | None) -> None:
        self.root = root

    def resolve(self, path: str) -> str | None:
        """`path` as seen inside the root with every symlink followed; None when the file does
        not exist (a dangling link) or the links loop. A link to /dev/null gives /dev/null."""
        try:
            resolved = self._walk(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return None
            raise
        if resolved == DEV_NULL or os.path.lexists(self._join(resolved)):
            return resolved
        return None

    def host_path(self, path: str) -> str:
        """The path on this machine's filesystem for `path` as seen inside the root.

        Raises OSError (ELOOP) when the links loop. Without a root, `path` itself."""
        if not self.root:
            return path
        return self._join(self._walk(path))

    def read_text(self, path: str, limit: int = MAX_CONFIG_FILE_BYTES) -> str:
        """The text of the regular file `path` (undecodable bytes replaced), at most `limit` bytes;
        raises OSError, `UnusableFile` for a FIFO, a device or a larger file (never blocks)."""
        return read_bounded(self.host_path(path), limit, "a configuration file").decode("utf-8", "replace")

    def _join(self, inside: str) -> str:
        if not self.root:
            return inside
        return os.path.join(self.root, inside.lstrip("/"))

    def _walk(self, path: str) -> str:
        """Resolve `path` component by component; the result is a path inside the root."""
        current = "/"
        parts = [part for part in path.split("/") if part not in ("", ".")]
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                current = os.path.dirname(current.rstrip("/")) or "/"
                continue
            candidate = os.path.join(current, part)
            real = self._join(candidate)
            if not os.path.islink(real):
                current = candidate
                continue
            hops += 1
            if hops > MAX_SYMLINK_HOPS:
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), real)
            target = os.readlink(real)
            parts = [item for item in target.split("/") if item not in ("", ".")] + parts
            if target.startswith("/"):
                current = "/"
        return current
