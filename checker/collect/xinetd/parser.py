"""The xinetd configuration parser: entries, attribute lines and include/includedir, in
the order the real daemon reads them.

What it is for: `parse_xinetd(text, path, ...)` turns a configuration (and what it includes)
into an `XinetdConfig`, as xinetd 2.3.15.3's parse.c and includedir.c do:

* `service NAME` / `defaults` followed by a line holding only `{`, attribute lines up to `}`
  alone on a line (the line grammar is checker/collect/xinetd/grammar.py); keywords and
  attribute names are case-insensitive;
* `include FILE` and `includedir DIR` (names with `.` or ending in `~` skipped, byte order,
  symlinks followed, not recursive), an include already being read skipped as a loop;
* `=`, `+=`, `-=` with xinetd's rules (first value of a single-valued attribute wins, `+=`/`-=`
  only on list attributes, `=` in `defaults` accumulates, wrong arity ignored with a warning,
  a rejected value disables the service, `disable = yes` drops it at once); what each
  attribute accepts is checker/collect/xinetd/values.py;
* then the effective configuration (checker/collect/xinetd/effective.py).

What it must not do: open files (includes are read through the `XinetdFiles` it is given),
resolve names, or touch the network.
"""

from __future__ import annotations

import errno
import os

from checker.collect.xinetd.attributes import COPIED_AT_ENTRY_START, DEFAULTS_ARITY, SERVICE_ARITY
from checker.collect.xinetd.effective import effective_config
from checker.collect.xinetd.entry import Entry
from checker.collect.xinetd.grammar import Lines, parse_attribute_line, split_tokens
from checker.collect.xinetd.model import BUILTIN, XinetdConfig, XinetdFiles, XinetdHost, XinetdProblem
from checker.collect.xinetd.values import AttributeValueError, parse_value
from checker.model import Location, XinetdValue

MAX_INCLUDE_DEPTH = 32
MAX_FILES_READ = 4096
"""Files parsed in all, includes counted: beyond it reading stops and the evidence is incomplete."""


def parse_xinetd(
    text: str,
    path: str,
    *,
    files: XinetdFiles | None = None,
    host: XinetdHost | None = None,
    debug_mode: bool = False,
) -> XinetdConfig:
    """Parse xinetd.conf `text` (read from `path`) and everything it includes.

    `files` gives access to included files and directories (None: includes are reported as not
    followed). `host` carries the lookups xinetd makes on its machine (default: static parse).
    `debug_mode=True` reproduces `xinetd -d`, which survives errors in `defaults`.
    """
    parser = _Parser(files, host or XinetdHost(), debug_mode)
    parser.parse_file(text, path)
    return effective_config(parser.entries, parser.defaults, parser.host, problems=parser.problems,
                            files=parser.read_files, fatal=parser.fatal)


class _Parser:
    """One run over a configuration and its includes; `effective_config` completes it."""

    def __init__(self, files: XinetdFiles | None, host: XinetdHost, debug_mode: bool) -> None:
        self.files = files
        self.host = host
        self.debug_mode = debug_mode
        self.defaults = Entry("defaults", BUILTIN)
        self.entries: list[Entry] = []
        self.problems: list[XinetdProblem] = []
        self.read_files: list[str] = []
        self.reading: list[str] = []
        """Files and directories being read (the include chain), to cut include loops."""
        self.fatal: str | None = None

    # ----------------------------------------------------------------- messages

    def problem(self, location: Location, message: str, *, io_error: bool = False) -> None:
        self.problems.append(XinetdProblem(location, message, io_error))

    # ----------------------------------------------------------------- files

    def parse_file(self, text: str, path: str, depth: int = 0) -> None:
        self.read_files.append(path)
        self.reading.append(os.path.normpath(path))
        try:
            self.parse_lines(Lines(text, path), depth)
        finally:
            self.reading.pop()

    def include_loop(self, path: str, location: Location) -> bool:
        """True (and a problem recorded) when `path` may not be read now.

        An include of a file or directory already in the include chain would repeat forever
        (two files in an includedir that include it again grow as 2^depth): it is skipped,
        which gives the services xinetd keeps (its repeated copies are duplicates). Past
        MAX_FILES_READ files in all, reading stops and the evidence is incomplete."""
        if os.path.normpath(path) in self.reading:
            self.problem(location, f"include loop: {path} is already being read; not read again")
            return True
        if len(self.read_files) >= MAX_FILES_READ:
            self.problem(location, f"more than {MAX_FILES_READ} configuration files included: "
                         f"{path} and the rest not read", io_error=True)
            return True
        return False

    def parse_lines(self, lines: Lines, depth: int) -> None:
        path = lines.path
        found_defaults = False
        while True:
            line = lines.next()
            if line is None:
                return
            number, content = line
            location = Location(path, number)
            tokens = split_tokens(content)
            keyword = tokens[0].lower()
            if keyword in ("service", "include", "includedir"):
                if len(tokens) < 2:
                    self.problem(location, "service name missing")
                    lines.skip_entry()
                    continue
                if keyword == "include":
                    self.include_file(tokens[1], location, depth)
                    continue
                if keyword == "includedir":
                    self.include_dir(tokens[1], location, depth)
                    continue
            elif keyword != "defaults":
                self.problem(location, "missing service keyword")
                lines.skip_entry()
                continue
            brace = lines.next()
            if brace is None or brace[1].strip() != "{":
                label = tokens[1] if keyword == "service" else "defaults"
                self.problem(location, f"Service {label}: missing '{{'")
                lines.skip_entry()
                continue
            if keyword == "service":
                self.service_entry(tokens[1], location, lines)
            elif found_defaults:
                self.problem(location, "only 1 defaults entry is allowed. This entry will be ignored")
                lines.skip_entry()
            elif self.parse_entry(self.defaults, lines, is_defaults=True):
                found_defaults = True

    def files_to_follow(self, keyword: str, target: str, location: Location, depth: int) -> XinetdFiles | None:
        """The file access to read `include`/`includedir` `target` with, or None (and a problem
        recorded) when it is not read: no file access, nested too deeply, or a loop."""
        if self.files is None:
            self.problem(location, f"{keyword} {target} not followed (no file access)", io_error=True)
            return None
        if depth >= MAX_INCLUDE_DEPTH:
            self.problem(location, f"{keyword} {target}: nested too deeply (loop?)")
            return None
        if self.include_loop(target, location):
            return None
        return self.files

    def include_file(self, target: str, location: Location, depth: int) -> None:
        files = self.files_to_follow("include", target, location, depth)
        if files is not None:
            self.read_included(files, target, location, depth)

    def read_included(self, files: XinetdFiles, path: str, location: Location, depth: int) -> None:
        """Parse the included file `path`; a file that cannot be opened is reported as xinetd does."""
        try:
            text = files.read_text(path)
        except OSError as exc:
            self.problem(location, f"Unable to open included configuration file: {path}: "
                         f"{exc.strerror or exc}", io_error=_unreadable_by_us(exc))
            return
        self.parse_file(text, path, depth + 1)

    def include_dir(self, directory: str, location: Location, depth: int) -> None:
        files = self.files_to_follow("includedir", directory, location, depth)
        if files is None:
            return
        self.reading.append(os.path.normpath(directory))
        try:
            self.include_dir_files(files, directory, location, depth)
        finally:
            self.reading.pop()

    def include_dir_files(self, files: XinetdFiles, directory: str, location: Location, depth: int) -> None:
        try:
            names = files.list_dir(directory)
        except OSError as exc:
            self.problem(location, f"Unable to read included directory: {directory}: "
                         f"{exc.strerror or exc}", io_error=_unreadable_by_us(exc))
            return
        # includedir.c: strcmp order; names with a '.' anywhere or a trailing '~' are skipped.
        for name in sorted(names, key=os.fsencode):
            if "." in name or name.endswith("~"):
                continue
            path = f"{directory.rstrip('/')}/{name}"
            try:
                regular = files.is_regular_file(path)
            except OSError as exc:
                self.problem(location, f"Unable to stat includedir file {path}: {exc.strerror or exc}",
                             io_error=_unreadable_by_us(exc))
                continue
            if not regular:
                self.problem(location, f"{path} is not a regular file. It is being skipped.")
                continue
            if not self.include_loop(path, location):
                self.read_included(files, path, location, depth)

    # ----------------------------------------------------------------- entries

    def service_entry(self, name: str, location: Location, lines: Lines) -> None:
        entry = Entry(name, location)
        for attribute in COPIED_AT_ENTRY_START:
            if attribute in self.defaults.specified:
                entry.values[attribute] = self.defaults.values[attribute]
        if not self.parse_entry(entry, lines, is_defaults=False):
            lines.skip_entry()
            entry.dropped = entry.dropped or "dropped while parsing"
        if "id" not in entry.specified:
            entry.values["id"] = XinetdValue((name,), location)
        self.entries.append(entry)

    def parse_entry(self, entry: Entry, lines: Lines, *, is_defaults: bool) -> bool:
        """Attribute lines up to `}`. False when the entry fails as a whole (xinetd: FAILED)."""
        while True:
            line = lines.next()
            if line is None:
                self.problem(Location(lines.path, lines.last_line), "incomplete entry")
                entry.dropped = "incomplete entry (end of file inside the entry)"
                return False
            number, content = line
            if content.strip() == "}":
                return True
            location = Location(lines.path, number)
            parsed = parse_attribute_line(content)
            if isinstance(parsed, str):
                self.problem(location, parsed)
                entry.dropped = f"{location}: {parsed}"
                return False
            name, op, values = parsed
            self.identify_attribute(entry, name, op, values, location, is_defaults)
            if name.lower() == "disable" and entry.disabled_reason is not None and not is_defaults:
                # parse.c: "As soon as we realize that the service is disabled we don't continue".
                entry.dropped = entry.disabled_reason
                return False

    def identify_attribute(self, entry: Entry, name: str, op: str, values: list[str],
                           location: Location, is_defaults: bool) -> None:
        table = DEFAULTS_ARITY if is_defaults else SERVICE_ARITY
        key = name.lower()
        if key not in table:
            self.problem(location, f"attribute: {name} should not be in default section" if is_defaults
                         else f"bad service attribute: {name}")
            return
        arity = table[key]
        canonical = "bind" if key == "interface" else key
        if arity != -2:
            if canonical in entry.specified:
                self.problem(location, f"Service {entry.name}: attribute already set: {name}")
                return
            if op != "=":
                self.problem(location, f"Service {entry.name}: operator '{op}' cannot be used for "
                             f"attribute '{name}'")
                return
        elif is_defaults and op == "=":
            op = "+="  # parse.c: for the defaults entry '=' and '+=' have the same meaning
        if arity > 0 and arity != len(values):
            self.problem(location, f"attribute {name} expects {arity} values and {len(values)} values "
                         "were specified")
            return
        try:
            current = entry.values.get(canonical)
            result = parse_value(canonical, op, values, current.values if current else (), self.host,
                                 lambda message: self.problem(location, message))
        except AttributeValueError as exc:
            self.problem(location, str(exc))
            if is_defaults:
                if not self.debug_mode and self.fatal is None:
                    self.fatal = (f"{location}: error parsing defaults attribute {name} ({exc}): "
                                  "xinetd exits")
                return
            self.problem(location, f"Error parsing attribute {name} - DISABLING SERVICE")
            if entry.disabled_reason is None:  # the first error is the one that disabled it
                entry.disabled_reason = f"{location}: error parsing attribute {name}: {exc}"
            return
        if canonical == "disable":
            entry.disabled_reason = f"{location}: disable = {values[0]}" if result == ("yes",) else None
        if result is not None:
            entry.values[canonical] = XinetdValue(result, location)
        entry.specified.add(canonical)


def _unreadable_by_us(exc: OSError) -> bool:
    """A missing file (or a symlink loop, ELOOP) is the configuration's real state: xinetd
    skips it too. Any other error (permission denied, I/O error) means *we* could not read
    what xinetd may well read."""
    return not isinstance(exc, FileNotFoundError | NotADirectoryError) and exc.errno != errno.ELOOP
