"""Meta tests of the repository's layout: cited files exist, modules stay small, test ports are not fixed.

They read source text only (ast and tokenize); nothing is imported or run.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import REPO_ROOT, SHARED

CHECKER = REPO_ROOT / "checker"
TESTS = REPO_ROOT / "tests"

MAX_MODULE_LINES = 400
DATA_TABLE_MARK = "pure data table"
"""A module may be longer when the first line of its docstring says it is a pure data table."""


CITED_PATH = re.compile(
    r"(?<![\w/.:~-])"  # not the tail of a longer path or of a URL
    r"((?:\.\./shared|checker|tests|schemas|policies|docs|benchmarks|examples)/[\w./-]*\w"
    r"\.(?:py|json|yaml|yml|md|sh|xml|xsd|txt|toml))\b")


def _python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" not in path.parts and "assets" not in path.relative_to(REPO_ROOT).parts:
            yield path


def _docstrings_and_comments(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every docstring and comment of one module."""
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                yield first.lineno, first.value.value
        # An attribute docstring: a string statement right after an assignment.
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for previous, statement in zip(body[:-1], body[1:], strict=False):
            if (isinstance(previous, ast.Assign | ast.AnnAssign) and isinstance(statement, ast.Expr)
                    and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)):
                yield statement.lineno, statement.value.value
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def cited_paths(path: Path) -> Iterator[tuple[int, str]]:
    for line, text in _docstrings_and_comments(path):
        for match in CITED_PATH.finditer(text):
            yield line, match.group(1).split("::")[0]


def _exists(cited: str) -> bool:
    if cited.startswith("../shared/"):
        return (SHARED / cited.removeprefix("../shared/")).exists()
    return (REPO_ROOT / cited).exists()


def test_every_file_cited_in_checker_docstrings_and_comments_exists() -> None:
    missing = [f"{path.relative_to(REPO_ROOT)}:{line}: {cited}"
               for path in _python_files(CHECKER) for line, cited in cited_paths(path) if not _exists(cited)]
    assert not missing, "docstrings or comments cite files that do not exist:\n" + "\n".join(missing)


BARE_DOCUMENT = re.compile(r"(?<![\w/.-])[\w-]+\.md\b")
"""A Markdown file named without its folder (`DESIGN.md`): the reader cannot tell where it is."""


def test_no_docstring_cites_a_document_without_its_folder() -> None:
    bare = [f"{path.relative_to(REPO_ROOT)}:{line}: {match.group(0)}"
            for path in _python_files(CHECKER) for line, text in _docstrings_and_comments(path)
            for match in BARE_DOCUMENT.finditer(text) if match.group(0) != "README.md"]
    assert not bare, "name the folder (../shared/DESIGN.md, docs/x.md):\n" + "\n".join(bare)


def test_the_citation_finder_finds_citations(tmp_path: Path) -> None:
    """Guards the test above against a pattern that silently matches nothing."""
    sample = tmp_path / "sample.py"
    sample.write_text('"""See tests/unit/test_x.py and ../shared/testdata/a.md, not https://x.org/docs/y.md."""\n'
                      "X = 1\n\"\"\"Also schemas/results.schema.json.\"\"\"\n# and docs/evaluation.md.\n")
    assert sorted(cited for _, cited in cited_paths(sample)) == [
        "../shared/testdata/a.md", "docs/evaluation.md", "schemas/results.schema.json", "tests/unit/test_x.py"]


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _is_data_table(path: Path) -> bool:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return DATA_TABLE_MARK in docstring.partition("\n")[0].lower()


def test_no_checker_module_is_over_400_lines() -> None:
    oversized = {str(path.relative_to(REPO_ROOT)) for path in _python_files(CHECKER)
                 if _line_count(path) > MAX_MODULE_LINES and not _is_data_table(path)}
    assert not oversized, f"over {MAX_MODULE_LINES} lines (split it, or say 'pure data table' on the first " \
                          f"docstring line): {sorted(oversized)}"


# --------------------------------------------------------------------------- fixed ports in tests

PRIVILEGED_PORT_LIMIT = 1024
"""Ports up to here are well-known services: in tests they are data, never opened."""
SOCKET_CALLS = {"bind", "connect", "connect_ex", "create_connection", "sendto"}
PORT_FLAGS = {"--tcp-ports", "--udp-ports"}


def _port_literal(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)
            and node.value > PRIVILEGED_PORT_LIMIT)


def fixed_ports(path: Path) -> Iterator[tuple[int, str]]:
    """Literal ports where a test opens, scans or searches for a real one.

    * a socket call (`bind`, `connect`, ...) on an `(address, PORT)` tuple with PORT a literal
      above 1024 (port 0 and the well-known ports of pure data are fine);
    * `--tcp-ports`/`--udp-ports` followed by a literal number in an argv;
    * `range(PORT, ...)` over ports above 1024 in a module using sockets: a search for a free
      port (probe-then-bind);
    * a module constant named like `*PORT*` set to a literal above 1024.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in SOCKET_CALLS:
                for arg in node.args:
                    if isinstance(arg, ast.Tuple) and len(arg.elts) >= 2 and _port_literal(arg.elts[1]):
                        yield node.lineno, f"{name}() on a fixed port"
            if name == "range" and node.args and _port_literal(node.args[0]) and "socket" in path.read_text():
                yield node.lineno, "a search through a fixed port range"
            values = node.args
        elif isinstance(node, ast.List | ast.Tuple):
            values = node.elts
        else:
            values = []
        for flag, value in zip(values[:-1], values[1:], strict=False):
            if (isinstance(flag, ast.Constant) and flag.value in PORT_FLAGS and isinstance(value, ast.Constant)
                    and isinstance(value.value, str) and re.fullmatch(r"[\d,-]+", value.value)):
                yield node.lineno, f"{flag.value} {value.value}: a fixed port"
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and _port_literal(statement.value):
            names = [t.id for t in statement.targets if isinstance(t, ast.Name)]
            if any("PORT" in n.upper() for n in names):
                yield statement.lineno, f"{names[0]} = {statement.value.value}: a fixed port"  # type: ignore[attr-defined]


def test_no_test_uses_a_fixed_port() -> None:
    found = [f"{path.relative_to(REPO_ROOT)}:{line}: {what}"
             for path in _python_files(TESTS) for line, what in fixed_ports(path)]
    assert not found, "allocate ports by binding port 0 (tests/support/ports.py):\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    'import socket\ns = socket.socket()\ns.bind(("127.0.0.1", 22999))\n',
    'run_cli("collect", "--target", "127.0.0.2", "--tcp-ports", "22001")\n',
    "import socket\nfor port in range(23000, 24000):\n    pass\n",
    "PORT = 24501\n",
])
def test_the_fixed_port_finder_finds_fixed_ports(tmp_path: Path, source: str) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(source)
    assert list(fixed_ports(sample))


def test_the_fixed_port_finder_allows_port_zero_and_data(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('import socket\ns = socket.socket()\ns.bind(("127.0.0.1", 0))\n'
                      'listener = ("tcp", "0.0.0.0", 22)\nrun_cli("collect", "--tcp-ports", str(port))\n')
    assert not list(fixed_ports(sample))
