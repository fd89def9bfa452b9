"""socket_units: default deny, forbid, listen; missing evidence."""

from __future__ import annotations

import pytest
from evaluate_support import baseline, loc, meta, only, outcomes, run, runs, snapshot

from checker.errors import ExitCode
from checker.evaluate import exit_code_for
from checker.evaluate.socket_units import normalise_listen
from checker.model import (
    CheckId,
    Collector,
    CollectorStatus,
    DefaultPolicy,
    SocketListen,
    SocketUnit,
    SocketUnitAllow,
    SocketUnitsPolicy,
    Status,
    UnitForbid,
)

UNITS = [
    SocketUnit("ssh.socket", enablement="enabled", active="active",
               listens=(SocketListen("stream", "22", port=22),)),
    SocketUnit("telnet.socket", enablement="disabled", active="active",
               listens=(SocketListen("stream", "23", port=23),)),
    SocketUnit("cups.socket", enablement="disabled", active="inactive",
               listens=(SocketListen("stream", "/run/cups/cups.sock", path="/run/cups/cups.sock"),)),
    SocketUnit("dns.socket", enablement="enabled", active="active",
               listens=(SocketListen("datagram", "[::0001]:53", port=53), SocketListen("stream", "127.0.0.1:53"))),
]


def policy(**kw: object) -> SocketUnitsPolicy:
    return SocketUnitsPolicy(location=loc(40), **kw)  # type: ignore[arg-type]


def test_default_deny_fails_enabled_or_active_units_not_allowed() -> None:
    base = baseline(socket_units=policy(default=DefaultPolicy.DENY,
                                        allow=(SocketUnitAllow("ssh.socket", meta(41)),
                                               SocketUnitAllow("dns", meta(42)))))
    report = run(base, snapshot(socket_units=UNITS))
    assert outcomes(report) == {
        ("socket-unit-unexpected", "unit:ssh.socket", "pass"),
        ("socket-unit-unexpected", "unit:dns.socket", "pass"),
        ("socket-unit-unexpected", "unit:telnet.socket", "fail"),  # active although disabled
    }
    failure = only(report, CheckId.SOCKET_UNIT_UNEXPECTED, "unit:telnet.socket")
    assert failure.remediation is not None and "systemctl disable --now telnet.socket" in failure.remediation
    assert failure.location == loc(40)


def test_forbid_fails_when_enabled_or_active_and_passes_otherwise() -> None:
    base = baseline(socket_units=policy(forbid=(UnitForbid("telnet.socket", meta(43)), UnitForbid("cups", meta(44)),
                                                UnitForbid("finger.socket", meta(45)))))
    report = run(base, snapshot(socket_units=UNITS))
    assert outcomes(report) == {
        ("socket-unit-forbidden", "unit:telnet.socket", "fail"),
        ("socket-unit-forbidden", "unit:cups.socket", "pass"),
        ("socket-unit-forbidden", "unit:finger.socket", "pass"),
    }
    # Issue 15: "telnet.socket is enablement enabled, state unknown"
    assert only(report, CheckId.SOCKET_UNIT_FORBIDDEN, "unit:telnet.socket").message == (
        "Forbidden telnet.socket is disabled and active.")
    unknown = run(base, snapshot(socket_units=[SocketUnit("telnet.socket", enablement="enabled")]))
    assert only(unknown, CheckId.SOCKET_UNIT_FORBIDDEN, "unit:telnet.socket").message == (
        "Forbidden telnet.socket is enabled (whether it is active is unknown).")


def test_listen_compares_normalised_value_sets() -> None:
    base = baseline(socket_units=policy(allow=(
        SocketUnitAllow("ssh.socket", meta(41), listen=("22",)),
        SocketUnitAllow("dns.socket", meta(42), listen=("[::1]:53", "127.0.0.1:53")),
        SocketUnitAllow("telnet.socket", meta(43), listen=("0.0.0.0:23",)),
        SocketUnitAllow("gone.socket", meta(44), listen=("1",)),
    )))
    report = run(base, snapshot(socket_units=UNITS))
    assert outcomes(report) == {
        ("socket-unit-listen", "unit:ssh.socket", "pass"),
        ("socket-unit-listen", "unit:dns.socket", "pass"),
        ("socket-unit-listen", "unit:telnet.socket", "fail"),  # `23` is not `0.0.0.0:23`
        ("socket-unit-listen", "unit:gone.socket", "skip"),
    }
    failure = only(report, CheckId.SOCKET_UNIT_LISTEN, "unit:telnet.socket")
    assert failure.evidence["actual_listen"] == ["23"] and failure.evidence["expected_listen"] == ["0.0.0.0:23"]


@pytest.mark.parametrize(("raw", "normal"), [
    (" 22 ", "22"), ("[::0001]:53", "[::1]:53"), ("0.0.0.0:022", "0.0.0.0:22"), ("/run/x.sock", "/run/x.sock"),
    ("localhost:80", "localhost:80"),
])
def test_normalise_listen(raw: str, normal: str) -> None:
    assert normalise_listen(raw) == normal


@pytest.mark.parametrize(("status", "expected"), [(CollectorStatus.FAILED, Status.ERROR),
                                                  (CollectorStatus.NOT_RUN, Status.SKIP)])
def test_missing_socket_unit_evidence(status: CollectorStatus, expected: Status) -> None:
    base = baseline(socket_units=policy(default=DefaultPolicy.DENY, forbid=(UnitForbid("telnet.socket", meta(43)),),
                                        allow=(SocketUnitAllow("ssh.socket", meta(41), listen=("22",)),)))
    report = run(base, snapshot(socket_units=UNITS, collectors=runs({Collector.SOCKET_UNITS: status})))
    assert {r.status for r in report.results if r.check is not CheckId.COLLECTOR_ERROR} == {expected}
    assert len([r for r in report.results if r.check is not CheckId.COLLECTOR_ERROR]) == 3


def test_unknown_enablement_is_an_error_never_a_pass() -> None:
    """The unit-files collector failed: enablement None must not read as "not enabled"."""
    base = baseline(socket_units=policy(default=DefaultPolicy.DENY, forbid=(UnitForbid("telnet.socket", meta(43)),),
                                        allow=(SocketUnitAllow("ssh.socket", meta(41)),)))
    unknown = [SocketUnit("telnet.socket", enablement=None, active=None), SocketUnit("rsh.socket"),
               SocketUnit("ssh.socket")]
    broken = runs({Collector.UNIT_FILES: CollectorStatus.FAILED, Collector.UNIT_RUNTIME: CollectorStatus.FAILED})
    report = run(base, snapshot(socket_units=unknown, collectors=broken))
    assert outcomes(report, CheckId.SOCKET_UNIT_FORBIDDEN, CheckId.SOCKET_UNIT_UNEXPECTED) == {
        ("socket-unit-forbidden", "unit:telnet.socket", "error"),
        ("socket-unit-unexpected", "unit:telnet.socket", "error"),
        ("socket-unit-unexpected", "unit:rsh.socket", "error"),
        ("socket-unit-unexpected", "unit:ssh.socket", "pass"),  # allowed whatever its state
    }
    assert "unit-files collector failed" in only(report, CheckId.SOCKET_UNIT_FORBIDDEN).message
    assert exit_code_for(report) is ExitCode.INCOMPLETE


@pytest.mark.parametrize(("runtime", "expected"), [
    (CollectorStatus.FAILED, "error"),       # systemd runs but its state is unknown: could be listening
    (CollectorStatus.OK, "pass"),            # not listed by a working runtime: not loaded
    (CollectorStatus.UNAVAILABLE, "pass"),   # no running systemd (or --root): nothing can be active
])
def test_disabled_unit_with_unknown_activity(runtime: CollectorStatus, expected: str) -> None:
    base = baseline(socket_units=policy(forbid=(UnitForbid("telnet.socket", meta(43)),)))
    units = [SocketUnit("telnet.socket", enablement="disabled", active=None)]
    report = run(base, snapshot(socket_units=units, collectors=runs({Collector.UNIT_RUNTIME: runtime})))
    assert only(report, CheckId.SOCKET_UNIT_FORBIDDEN).status.value == expected


def test_partial_unit_files_turn_forbid_passes_into_errors() -> None:
    """Issue 12: socket units take their enablement from unit-files; a PARTIAL list may call an
    enabled unit `disabled` (its link was in the unreadable directory)."""
    base = baseline(socket_units=policy(forbid=(UnitForbid("telnet.socket", meta(43)), UnitForbid("cups", meta(44)),
                                                UnitForbid("finger.socket", meta(45)))))
    report = run(base, snapshot(socket_units=UNITS,
                                collectors=runs({Collector.UNIT_FILES: CollectorStatus.PARTIAL})))
    assert outcomes(report, CheckId.SOCKET_UNIT_FORBIDDEN) == {
        ("socket-unit-forbidden", "unit:telnet.socket", "fail"),  # found active: stands
        ("socket-unit-forbidden", "unit:cups.socket", "error"),
        ("socket-unit-forbidden", "unit:finger.socket", "error"),
    }
    assert exit_code_for(report) is ExitCode.FAILED
