"""Network namespaces other than our own: `--netns NAME` and `--netns-pid PID`.

What it is for: naming a namespace (`NamespaceSpec`, validated from the command line), opening
it (`open_namespace`: a descriptor that pins it, its nsfs identity and, for a PID, the process's
start time), running a function inside it (`NetworkNamespace.run`), telling whether a process
lives in it (`contains_process`, so only its own processes become socket owners) and noticing
that it went away or changed under us (`changed`).

How we enter: setns(2) in a fresh thread that ends when the function returns. Why this and
not a child process:
* setns(fd, CLONE_NEWNET) moves only the calling *thread*, and a netlink socket (the sock_diag
  dump, getifaddrs) answers for the namespace of the thread that created it. A thread that
  enters, dumps and ends leaves every other thread where it was: nothing has to be restored,
  and a failure half-way can never leave the main thread (and the later collectors) inside.
* Python 3.11 has no os.setns (3.12 does, and it is used when present): libc's setns through
  ctypes is one call whose errno we keep.
* A child `python -m checker` under `nsenter --net=PATH` would cost a second interpreter per
  namespace and a protocol to send the sockets back, and needs the same privileges.
Everything else runs in the calling thread: /proc shows every process whatever our network
namespace (the /proc fd pass for owners, psutil), and files are read through paths.

Permissions: setns(CLONE_NEWNET) needs CAP_SYS_ADMIN (over the namespace's owning user
namespace); opening /proc/PID/ns/net needs ptrace read access to PID (root, or the same user
when ptrace is not restricted). A refusal, a missing namespace or a PID that does not exist is
a `NamespaceError` with a one-line reason, which `checker.collect.namespace_host` turns into
FAILED collectors for that host (fail closed: never an empty view).

What it must not do: change the namespace of any thread but the one it starts, or read
sockets itself (`checker.collect.sock_diag` does, called inside `run`).
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from checker.collect import PROC_FILE_BYTES
from checker.errors import UsageError
from checker.storage.inputs import read_bounded

CLONE_NEWNET = 0x40000000
"""linux/sched.h: the nstype argument of setns for a network namespace."""
NS_GET_NSTYPE = 0xB703
"""linux/nsfs.h _IO(0xb7, 0x3): the kind of namespace an nsfs descriptor refers to (Linux 4.11+)."""
NETNS_RUN_DIR = "/run/netns"
"""Where `ip netns add NAME` bind-mounts the namespace (iproute2's NETNS_RUN_DIR)."""
PID_MAX_LIMIT = 4_194_304
"""The kernel's upper bound for pid_max on 64-bit: no PID is larger."""
NAME_MAX = 255

T = TypeVar("T")


class NamespaceError(OSError):
    """The namespace cannot be opened, entered or trusted; `str()` is one line."""

    def __str__(self) -> str:
        return str(self.strerror)


@dataclass(frozen=True, slots=True)
class NamespaceSpec:
    """One namespace to audit, as the command line named it: exactly one of `name` and `pid`."""

    name: str | None = None
    """`--netns NAME`: /run/netns/NAME, as `ip netns` manages them."""
    pid: int | None = None
    """`--netns-pid PID`: the network namespace of that process (a container's init)."""

    @property
    def label(self) -> str:
        """The host name it gets without `--host-name`: NAME or `pid:PID`."""
        return self.name if self.name is not None else f"pid:{self.pid}"

    @property
    def option(self) -> str:
        return f"--netns {self.name}" if self.name is not None else f"--netns-pid {self.pid}"

    @property
    def path(self) -> str:
        return f"{NETNS_RUN_DIR}/{self.name}" if self.name is not None else f"/proc/{self.pid}/ns/net"

    @property
    def process_root(self) -> str | None:
        """For a PID, its root directory (the container's filesystem) as this machine reaches it."""
        return f"/proc/{self.pid}/root" if self.pid is not None else None


def parse_namespace_specs(names: Sequence[str], pids: Sequence[int]) -> tuple[NamespaceSpec, ...]:
    """The validated namespaces of `--netns` and `--netns-pid`, names first, duplicates once.

    A name is one path component of /run/netns (iproute2 refuses `/`, `.` and `..` too);
    a PID is 1..PID_MAX_LIMIT. Anything else is a `UsageError` (exit 2) before collection.
    """
    specs: list[NamespaceSpec] = []
    for name in names:
        if (not name or name in (".", "..") or "/" in name or "\0" in name or name.startswith("-")
                or len(name.encode("utf-8", "surrogateescape")) > NAME_MAX):
            raise UsageError(f"--netns: {name!r} is not a namespace name (one name as `ip netns list` shows it)")
        specs.append(NamespaceSpec(name=name))
    for pid in pids:
        if type(pid) is not int or not 1 <= pid <= PID_MAX_LIMIT:
            raise UsageError(f"--netns-pid: expected a process id 1-{PID_MAX_LIMIT}, got {pid!r}")
        specs.append(NamespaceSpec(pid=pid))
    return tuple(dict.fromkeys(specs))


def _setns(fd: int) -> None:
    """setns(fd, CLONE_NEWNET) for the calling thread; raises OSError with the kernel's errno."""
    setns = getattr(os, "setns", None)
    if setns is not None:  # Python 3.12+
        setns(fd, CLONE_NEWNET)
        return
    import ctypes  # only here: --version and the other commands never pay for it

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(ctypes.c_int(fd), ctypes.c_int(CLONE_NEWNET)) != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))


def process_start_time(pid: int) -> int:
    """Field 22 of /proc/PID/stat (clock ticks after boot): with the pid, one process's identity.

    Raises OSError (ENOENT/ESRCH) when the process does not exist."""
    text = read_bounded(f"/proc/{pid}/stat", PROC_FILE_BYTES).decode("ascii", "replace")
    # The command name (field 2) may hold spaces and parentheses: fields after the last `)`.
    fields = text.rpartition(")")[2].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        raise OSError(errno.EPROTO, f"/proc/{pid}/stat: unexpected format") from None


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


class NetworkNamespace:
    """An opened network namespace: pinned by its descriptor until `close()`."""

    def __init__(self, spec: NamespaceSpec, fd: int, start_time: int | None) -> None:
        self.spec = spec
        self._fd = fd
        self.identity = _identity(os.fstat(fd))
        """(device, inode) of the nsfs file: what /proc/PID/ns/net of its members stat to."""
        self._start_time = start_time

    @property
    def description(self) -> str:
        """`NAME (net:[4026532301])`: the namespace as the evidence names it."""
        return f"{self.spec.label} (net:[{self.identity[1]}])"

    def run(self, function: Callable[[], T]) -> T:
        """`function()` in a new thread that first entered the namespace; its result or its exception.

        A refusal to enter raises `NamespaceError` with the reason and the privilege it needs."""
        outcome: list[tuple[bool, object]] = []

        def enter_and_call() -> None:
            try:
                try:
                    _setns(self._fd)
                except OSError as exc:
                    raise self._enter_error(exc) from None
                outcome.append((True, function()))
            except BaseException as exc:  # handed to the caller's thread below
                outcome.append((False, exc))

        thread = threading.Thread(target=enter_and_call, name=f"netns {self.spec.label}", daemon=True)
        thread.start()
        thread.join()
        succeeded, value = outcome[0]
        if not succeeded:
            assert isinstance(value, BaseException)
            raise value
        return value  # type: ignore[return-value]

    def _enter_error(self, exc: OSError) -> NamespaceError:
        why = exc.strerror or str(exc)
        if exc.errno == errno.EPERM:
            why += " (entering a network namespace needs CAP_SYS_ADMIN: run as root)"
        return NamespaceError(exc.errno or errno.EIO, f"{self.spec.option}: cannot enter the namespace: setns: {why}")

    def contains_process(self, pid: int) -> bool:
        """Whether /proc/PID/ns/net is this namespace; False when it cannot be read (or is gone)."""
        try:
            return _identity(os.stat(f"/proc/{pid}/ns/net")) == self.identity
        except OSError:
            return False

    def changed(self) -> str | None:
        """Why what was collected may no longer describe the namespace the user named, or None.

        A named namespace deleted (or replaced) under its name, a PID that exited (or was
        reused by another process) or moved to another namespace."""
        spec = self.spec
        try:
            if spec.pid is not None and process_start_time(spec.pid) != self._start_time:
                return f"process {spec.pid} exited during collection (the pid now names another process)"
            current = _identity(os.stat(spec.path))
        except OSError:
            if spec.pid is not None:
                return f"process {spec.pid} exited during collection"
            return f"network namespace {spec.name} was deleted during collection"
        if current != self.identity:
            if spec.pid is not None:
                return f"process {spec.pid} moved to another network namespace during collection"
            return f"network namespace {spec.name} was replaced during collection"
        return None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> NetworkNamespace:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_namespace(spec: NamespaceSpec) -> NetworkNamespace:
    """Open, check and try to enter the namespace. Raises `NamespaceError` with a one-line reason.

    Entering once here (a thread that does nothing else) makes a missing privilege one
    failure of the whole host, before any collector ran."""
    start_time = _start_time_or_fail(spec) if spec.pid is not None else None
    try:
        fd = os.open(spec.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as exc:
        raise _open_error(spec, exc) from None
    try:
        kind = fcntl.ioctl(fd, NS_GET_NSTYPE)
        if kind != CLONE_NEWNET:
            raise NamespaceError(errno.EINVAL, f"{spec.option}: {spec.path} is not a network namespace")
        if spec.pid is not None and _start_time_or_fail(spec) != start_time:
            # The pid was reused between the two reads: the descriptor may be another process's.
            raise NamespaceError(errno.ESRCH, f"{spec.option}: process {spec.pid} exited while it was opened")
        namespace = NetworkNamespace(spec, fd, start_time)
    except OSError as exc:
        os.close(fd)
        if isinstance(exc, NamespaceError):
            raise
        # ENOTTY/EINVAL: the file is not an nsfs one (a leftover /run/netns entry, not mounted)
        raise NamespaceError(exc.errno or errno.EIO,
                             f"{spec.option}: {spec.path} is not a network namespace: {exc.strerror}") from None
    try:
        namespace.run(lambda: None)
    except NamespaceError:
        namespace.close()
        raise
    return namespace


def _start_time_or_fail(spec: NamespaceSpec) -> int:
    assert spec.pid is not None
    try:
        return process_start_time(spec.pid)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ESRCH):
            raise NamespaceError(errno.ESRCH, f"{spec.option}: no process {spec.pid}") from None
        raise NamespaceError(exc.errno or errno.EIO, f"{spec.option}: /proc/{spec.pid}/stat: {exc.strerror}") from None


def _open_error(spec: NamespaceSpec, exc: OSError) -> NamespaceError:
    number = exc.errno or errno.EIO
    if number == errno.ENOENT:
        if spec.pid is not None:
            return NamespaceError(errno.ESRCH, f"{spec.option}: no process {spec.pid}")
        return NamespaceError(number, f"{spec.option}: no network namespace {spec.name} "
                                      f"({spec.path} does not exist; see `ip netns list`)")
    why = exc.strerror or str(exc)
    if number in (errno.EACCES, errno.EPERM) and spec.pid is not None:
        why += f" (reading another process's namespace needs ptrace access to {spec.pid}: run as root)"
    return NamespaceError(number, f"{spec.option}: cannot open {spec.path}: {why}")
