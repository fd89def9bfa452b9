"""What an only_from list admits, as measured on the real xinetd 2.3.15.3 (clients on
127.0.0.1 and ::1, a private network namespace); tests/integration/test_trust_identities.py
repeats the measurement for a few entries against the binary itself."""

from __future__ import annotations

import pytest

from checker.evaluate.xinetd_access import admits_every_client

MEASURED = [
    # entry, families every client of which is admitted
    ("0.0.0.0", "IPv4"),
    ("0.0.0.0/0", "IPv4"),
    ("0.0.0.0/0.0.0.0", "IPv4"),
    ("10.0.0.0/0", "IPv4"),
    ("1.2.3.4/0", "IPv4"),
    ("::ffff:0.0.0.0/96", "IPv4"),
    ("::/1", "IPv4"),
    ("::/0", "IPv4 and IPv6"),
    ("::0/0", "IPv4 and IPv6"),
    ("::", None),  # the one address `::`: the real xinetd refused both clients
    ("0.0.0.0/32", None),
    ("0.0.0.0/1", None),
    ("127.0.0.0", None),  # trailing zero octets are wildcards: 127.0.0.0/8
    ("10.1.1.1", None),
    ("default", None),  # /etc/networks' `default 0.0.0.0` is not read for only_from
    ("0.0.0.{0,1}", None),
    ("trusted.example", None),
]


@pytest.mark.parametrize(("entry", "families"), MEASURED)
def test_one_entry(entry: str, families: str | None) -> None:
    assert admits_every_client((entry,)) == families


def test_entries_that_together_admit_everyone() -> None:
    assert admits_every_client(("0.0.0.0/1", "128.0.0.0/1")) == "IPv4"
    assert admits_every_client(("::ffff:0:0/97", "::ffff:128.0.0.0/97")) == "IPv4"
    assert admits_every_client(("10.0.0.0/8", "192.168.0.0/16")) is None
