"""The one way surfacecheck runs another program.

Argument lists only (never a shell), a timeout always, and the exit codes the caller
accepts listed next to the call with the man page's reason. A program that is missing,
times out, or exits with an unaccepted code raises `CommandFailed` with a one-line reason;
collectors turn that into a failed `CollectorRun`, never into an empty observation.

The environment never reaches the program. nmap -sV loaded NSE scripts from `$NMAPDIR` (a
modified `nse_main.lua` there ran code although the argv was clean), and `LD_*`, `NMAP_*`,
`SYSTEMD_*` or `HOME` change what other programs load too. So:

* the program is looked up by name in `TOOL_SEARCH_PATH` only (a fixed list of system
  directories), never in the caller's `$PATH`, and run by its absolute path;
* it gets exactly `MINIMAL_ENVIRONMENT` (`PATH` = that list, `LC_ALL=C`), nothing inherited;
* `resolve_program` gives callers that absolute path, so what ran can be recorded in the
  evidence (nmap's is `NetworkView.arguments[0]`).

The test hook is deliberate and not an environment variable: `TOOL_SEARCH_PATH` is a module
attribute that the test suite replaces in-process (monkeypatch, or the `prelude` of
`support.run_cli`, which runs before the CLI's entry point) to put fake programs first. An
environment variable would let a hostile environment redirect the binaries of a root run,
which is exactly what this module exists to prevent; changing a module attribute needs code
running inside surfacecheck, which owns the run anyway.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

TOOL_SEARCH_PATH: tuple[str, ...] = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
"""Where programs are looked up, in order (see the module docstring for the test hook)."""


def minimal_environment() -> dict[str, str]:
    """The whole environment of every program run: the fixed search path and the C locale."""
    return {"PATH": os.pathsep.join(TOOL_SEARCH_PATH), "LC_ALL": "C"}


def resolve_program(name: str) -> str:
    """The absolute path of program `name` in `TOOL_SEARCH_PATH`; `CommandFailed` when absent.
    An absolute `name` is taken as it is."""
    if os.path.isabs(name):
        return name
    if not name or "/" in name:
        raise CommandFailed(f"{name!r}: not a program name")
    found = shutil.which(name, path=os.pathsep.join(TOOL_SEARCH_PATH))
    if found is None:
        raise CommandFailed(f"{name}: not found on PATH")
    return os.path.abspath(found)


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    """What ran: the program by its absolute path, then its arguments."""
    returncode: int
    stdout: str
    stderr: str


class CommandFailed(Exception):
    """The command could not give usable output; `str()` is a one-line reason."""

    def __init__(self, reason: str, result: CommandResult | None = None) -> None:
        super().__init__(reason)
        self.result = result


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


def run_command(
    argv: Sequence[str],
    *,
    timeout: float,
    accept: Collection[int] = (0,),
    env: Mapping[str, str] | None = None,
) -> CommandResult:
    """Run `argv` and return its output; raise `CommandFailed` unless it exits in `accept`.

    `argv[0]` is resolved with `resolve_program`; the program sees `minimal_environment()` plus
    `env` (the caller's explicit additions), nothing else. Output is decoded as UTF-8 with
    replacement: hostile bytes never raise here.
    """
    command = _command(argv)
    try:
        completed = subprocess.run(  # noqa: S603 - argument list, no shell
            command,
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**minimal_environment(), **(env or {})},
        )
    except subprocess.TimeoutExpired:
        raise CommandFailed(f"{os.path.basename(argv[0])}: timed out after {timeout:g}s") from None
    except OSError as exc:
        raise _start_failure(argv, exc) from None
    return check_exit(CommandResult(
        tuple(command),
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    ), accept)


def _command(argv: Sequence[str]) -> list[str]:
    """`argv` with its program resolved (`resolve_program`); `CommandFailed` for an empty
    command or an argument holding NUL."""
    if not argv or any("\0" in arg for arg in argv):
        raise CommandFailed("refusing to run an empty command or an argument with NUL")
    return [resolve_program(argv[0]), *argv[1:]]


def _start_failure(argv: Sequence[str], exc: OSError) -> CommandFailed:
    """The one-line reason a program could not be started."""
    name = os.path.basename(argv[0])
    if isinstance(exc, FileNotFoundError):
        return CommandFailed(f"{name}: not found on PATH")
    if isinstance(exc, PermissionError):
        return CommandFailed(f"{name}: cannot execute: {exc.strerror}")
    return CommandFailed(f"{name}: {exc.strerror or exc}")


def check_exit(result: CommandResult, accept: Collection[int]) -> CommandResult:
    """`result`, or `CommandFailed` (`NAME: exit N: first line of stderr, else of stdout`) when
    its exit code is not in `accept`."""
    name = os.path.basename(result.argv[0])
    if result.returncode not in accept:
        code = result.returncode
        detail = f"killed by signal {-code}" if code < 0 else f"exit {code}"
        message = _first_line(result.stderr) or _first_line(result.stdout)
        raise CommandFailed(f"{name}: {detail}" + (f": {message}" if message else ""), result)
    return result


def run_command_streaming(
    argv: Sequence[str],
    *,
    timeout: float,
    on_line: Callable[[str], None],
    accept: Collection[int] = (0,),
    env: Mapping[str, str] | None = None,
) -> CommandResult:
    """`run_command`, but each line of stdout is also handed to `on_line` as it arrives (live
    progress: nmap's `--stats-every` output). Same rules: argument list, hard timeout (the
    process is killed), the accepted exit codes, `CommandFailed` with a one-line reason."""
    command = _command(argv)
    try:
        process = subprocess.Popen(  # noqa: S603 - argument list, no shell
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**minimal_environment(), **(env or {})},
        )
    except OSError as exc:
        raise _start_failure(argv, exc) from None
    assert process.stdout is not None and process.stderr is not None
    stderr: list[bytes] = []
    # stderr is drained by a thread so a chatty program cannot block on a full pipe.
    drain = threading.Thread(target=lambda: stderr.append(process.stderr.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    stdout: list[bytes] = []
    try:
        for raw in process.stdout:
            stdout.append(raw)
            on_line(raw.decode("utf-8", "replace"))
        process.wait()
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        drain.join()
        process.stdout.close()
        process.stderr.close()
    if timed_out.is_set():
        raise CommandFailed(f"{os.path.basename(argv[0])}: timed out after {timeout:g}s")
    return check_exit(CommandResult(tuple(command), process.returncode, b"".join(stdout).decode("utf-8", "replace"),
                                  b"".join(stderr).decode("utf-8", "replace")), accept)
