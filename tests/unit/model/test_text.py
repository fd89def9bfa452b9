"""The one cleaner of hostile one-line text and the one `[address]` form."""

from __future__ import annotations

from checker.model.text import address_before_port, printable_line


def test_printable_line_replaces_or_escapes_what_a_terminal_would_obey() -> None:
    hostile = "telnetd\x1b[2J\nFAKE\u202e\ud800"
    assert printable_line(hostile) == "telnetd?[2J?FAKE??"
    assert printable_line(hostile, escape=True) == "telnetd\\x1b[2J\\x0aFAKE\\u202e\\ud800"


def test_printable_line_cuts_to_exactly_the_limit() -> None:
    assert printable_line("x" * 1000, 50) == "x" * 49 + "…"
    assert printable_line("x" * 1000, 80, cut_mark="") == "x" * 80
    assert printable_line("x" * 1000, 160, cut_mark="...") == "x" * 157 + "..."
    assert printable_line("short", 5) == "short"


def test_address_before_port() -> None:
    assert address_before_port("::") == "[::]"
    assert address_before_port("fe80::1%eth0") == "[fe80::1%eth0]"
    assert address_before_port("0.0.0.0") == "0.0.0.0"
    assert address_before_port("*") == "*"
