"""The pure xinetd parser on hand-written inputs: each case is a rule of GRAMMAR.md
(../shared/testdata/xinetd) that the real xinetd 2.3.15.3 was seen to follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.collect.xinetd import (
    BUILTIN_FILE,
    RootedXinetdFiles,
    XinetdConfig,
    XinetdHost,
    parse_etc_services,
    parse_xinetd,
    read_xinetd,
)
from checker.model import Location, XinetdService

SERVICES = parse_etc_services("echo 7/tcp\necho 7/udp\ntelnet 23/tcp\nftp 21/tcp\n")
HOST = XinetdHost(services=SERVICES)


def parse(text: str, **kwargs: object) -> XinetdConfig:
    kwargs.setdefault("host", HOST)
    return parse_xinetd(text, "/etc/xinetd.conf", **kwargs)  # type: ignore[arg-type]


def only(config: XinetdConfig, name: str) -> XinetdService:
    matches = [service for service in config.services if service.name == name or service.id == name]
    assert len(matches) == 1, config.services
    return matches[0]


def values(service: XinetdService, key: str) -> tuple[str, ...]:
    return service.attributes[key].values


INTERNAL_ECHO = """service echo
{
\ttype = INTERNAL UNLISTED
\tport = 20007
\tsocket_type = stream
\twait = no
%s
}
"""


def echo(extra: str = "", defaults: str = "") -> XinetdConfig:
    text = (f"defaults\n{{\n{defaults}\n}}\n" if defaults else "") + INTERNAL_ECHO % extra
    return parse(text)


def test_a_plain_internal_service_is_enabled_with_builtin_defaults() -> None:
    service = only(echo(), "echo")
    assert service.enabled and service.disabled_reason is None
    assert service.port == 20007 and service.protocol == "tcp"
    assert values(service, "instances") == ("UNLIMITED",)
    assert values(service, "per_source") == ("UNLIMITED",)
    assert values(service, "cps") == ("50", "10")
    assert values(service, "max_load") == ("0",)
    assert service.attributes["cps"].location == Location(BUILTIN_FILE, 0)
    assert values(service, "flags") == ("IPv6",)  # no bind, no flag: xinetd binds IPv6 (dual stack)
    assert service.attributes["port"].location == Location("/etc/xinetd.conf", 4)


def test_keywords_attribute_names_and_enumerations_are_case_insensitive() -> None:
    config = parse("Service echo\n{\n\tTYPE = internal unlisted\n\tPort = 20007\n\tSOCKET_TYPE = STREAM\n"
                   "\tWAIT = NO\n\tFLAGS = IPv4\n\tINSTANCES = unlimited\n\tdisable = NO\n}\n")
    service = only(config, "echo")
    assert service.enabled, service.disabled_reason
    assert values(service, "flags") == ("IPv4",)
    assert values(service, "instances") == ("UNLIMITED",)


def test_a_repeated_single_valued_attribute_keeps_the_first_value() -> None:
    service = only(echo("\tinstances = 3\n\tinstances = 9"), "echo")
    assert values(service, "instances") == ("3",)
    assert service.attributes["instances"].location.line == 7


def test_hash_is_a_comment_only_at_line_start() -> None:
    config = echo("\tno_access = 10.1.2.3 # trailing comment")
    service = only(config, "echo")
    assert service.enabled
    # `#` can never be an address. `trailing` and `comment` could be host names: the real
    # xinetd drops them because they do not resolve; a static parse keeps names unresolved.
    assert values(service, "no_access") == ("10.1.2.3", "trailing", "comment")
    assert [p.message for p in config.problems] == ["failed to parse #"]


def test_defaults_lists_accumulate_and_services_modify_their_copy() -> None:
    config = echo("\tonly_from += 192.168.1.0/24\n\tonly_from -= 127.0.0.1\n\tlog_on_success += PID",
                  defaults="\tonly_from = 127.0.0.1\n\tonly_from = 10.0.0.0/8\n\tlog_on_success = HOST\n"
                           "\tlog_type = SYSLOG daemon info")
    service = only(config, "echo")
    assert values(service, "only_from") == ("10.0.0.0/8", "192.168.1.0/24")
    assert values(service, "log_on_success") == ("PID", "HOST")
    assert values(service, "log_type") == ("SYSLOG", "daemon", "info")


def test_service_equals_replaces_the_defaults_list() -> None:
    service = only(echo("\tonly_from = 128.138.209.0", defaults="\tonly_from = 10.0.0.0/8"), "echo")
    assert values(service, "only_from") == ("128.138.209.0",)


def test_list_defaults_apply_only_to_services_after_them_but_limits_to_all() -> None:
    text = INTERNAL_ECHO % "" + "defaults\n{\n\tonly_from = 10.0.0.0/8\n\tinstances = 5\n\tcps = 7 8\n}\n"
    service = only(parse(text), "echo")
    assert "only_from" not in service.attributes
    assert values(service, "instances") == ("5",)
    assert values(service, "cps") == ("7", "8")
    assert service.attributes["instances"].location.line == 12


def test_wrong_arity_is_ignored_without_disabling() -> None:
    config = echo(defaults="\tcps = 5")
    assert only(config, "echo").enabled
    assert "cps" not in config.defaults
    assert any("expects 2 values" in p.message for p in config.problems)


def test_disable_yes_drops_the_service_with_its_location() -> None:
    service = only(echo("\tdisable = yes"), "echo")
    assert not service.enabled
    assert service.disabled_reason == "/etc/xinetd.conf:7: disable = yes"


def test_a_space_is_required_before_the_operator() -> None:
    config = echo("\tdisable= no")
    service = only(config, "echo")
    assert not service.enabled
    assert "needs a space before operator" in (service.disabled_reason or "")


def test_the_brace_must_be_alone_on_its_line() -> None:
    config = parse("service t4 {\n\ttype = INTERNAL\n}\n" + INTERNAL_ECHO % "")
    assert [s.name for s in config.services] == ["echo"]
    assert any("missing '{'" in p.message for p in config.problems)


def test_unknown_flag_disables_through_the_error_path() -> None:
    service = only(echo("\tflags = DISABLE"), "echo")
    assert not service.enabled
    assert "error parsing attribute flags" in (service.disabled_reason or "")


def test_plus_equals_on_a_single_valued_attribute_is_ignored() -> None:
    config = echo("\tinstances += 4")
    service = only(config, "echo")
    assert service.enabled and values(service, "instances") == ("UNLIMITED",)
    assert any("cannot be used" in p.message for p in config.problems)


def test_required_attributes_and_socket_type_protocol_inference() -> None:
    config = parse("service ftp\n{\n\tprotocol = tcp\n\twait = no\n\tuser = root\n\tserver = /usr/sbin/in.ftpd\n}\n"
                   "service telnet\n{\n\tsocket_type = stream\n\tuser = root\n\tserver = /usr/sbin/in.telnetd\n}\n")
    ftp, telnet = config.services
    assert ftp.enabled and values(ftp, "socket_type") == ("stream",) and ftp.port == 21
    assert not telnet.enabled and "missing attribute wait" in (telnet.disabled_reason or "")


def test_listed_service_port_must_match_etc_services() -> None:
    config = parse("service echo\n{\n\ttype = INTERNAL\n\tport = 20101\n\tsocket_type = stream\n\twait = no\n}\n")
    assert "expects port 7, not 20101" in (only(config, "echo").disabled_reason or "")


def test_internal_service_must_be_a_builtin() -> None:
    config = parse("service zz\n{\n\ttype = INTERNAL UNLISTED\n\tport = 20100\n\tsocket_type = stream\n"
                   "\twait = no\n}\n")
    assert "No such internal service: zz/stream" in (only(config, "zz").disabled_reason or "")


def test_enabled_and_disabled_lists_in_defaults_work_by_id() -> None:
    text = ("defaults\n{\n\tenabled = echo-stream chargen-stream\n\tdisabled = chargen-stream\n}\n"
            + (INTERNAL_ECHO % "\tid = echo-stream")
            + (INTERNAL_ECHO % "\tid = echo-other").replace("20007", "20008")
            + (INTERNAL_ECHO % "\tid = chargen-stream").replace("service echo", "service chargen")
            .replace("20007", "20009"))
    config = parse(text)
    assert only(config, "echo-stream").enabled
    assert "not listed in defaults enabled" in (only(config, "echo-other").disabled_reason or "")
    assert "listed in defaults disabled" in (only(config, "chargen-stream").disabled_reason or "")


def test_same_port_and_bind_conflicts_but_same_id_without_bind_does_not() -> None:
    with_bind = (INTERNAL_ECHO % "\tbind = 127.0.0.1\n\tid = a") + (INTERNAL_ECHO % "\tbind = 127.0.0.1\n\tid = b")
    first, second = parse(with_bind).services
    assert first.enabled and not second.enabled
    assert "is unique but its identical" in (second.disabled_reason or "")
    both = parse(INTERNAL_ECHO % "\tid = zz" + INTERNAL_ECHO % "\tid = zz").services
    assert all(service.enabled for service in both)
    assert values(first, "flags") == ("IPv4",)


def test_host_checks_are_parameters_static_by_default() -> None:
    text = ("service ftp\n{\n\tsocket_type = stream\n\twait = no\n\tuser = nosuchuser\n"
            "\tserver = /no/such/server\n}\n")
    assert only(parse(text), "ftp").enabled
    strict = XinetdHost(services=SERVICES, users=frozenset({"root"}), groups=frozenset(),
                        server_is_executable=lambda path: False)
    service = only(parse(text, host=strict), "ftp")
    assert not service.enabled and "Unknown user: nosuchuser" in (service.disabled_reason or "")


def test_a_bad_defaults_attribute_is_fatal_for_the_real_daemon_only() -> None:
    text = "defaults\n{\n\tinstances = lots\n}\n" + INTERNAL_ECHO % ""
    production = parse(text)
    assert production.fatal and "xinetd exits" in production.fatal
    assert not only(production, "echo").enabled
    debug = parse(text, debug_mode=True)
    assert debug.fatal is None and only(debug, "echo").enabled


def test_incomplete_entry_drops_the_service() -> None:
    config = parse("service echo\n{\n\ttype = INTERNAL\n")
    assert "incomplete entry" in (only(config, "echo").disabled_reason or "")


def test_includedir_skips_dotted_and_backup_names_and_follows_symlinks(tmp_path: Path) -> None:
    conf_d = tmp_path / "xinetd.d"
    conf_d.mkdir()
    for name, port in (("c", 20001), ("a.conf", 20002), ("b~", 20003), ("zz", 20004)):
        (conf_d / name).write_text((INTERNAL_ECHO % f"\tid = {name}").replace("20007", str(port)))
    (conf_d / "link_nodot").symlink_to(conf_d / "c")
    (conf_d / "subdir").mkdir()
    files = RootedXinetdFiles(None, {"/etc/xinetd.d": str(conf_d)})
    config = parse("includedir /etc/xinetd.d\n", files=files)
    assert [service.id for service in config.services] == ["c", "c", "zz"]
    assert config.files == ("/etc/xinetd.conf", "/etc/xinetd.d/c", "/etc/xinetd.d/link_nodot", "/etc/xinetd.d/zz")
    assert any("not a regular file" in p.message for p in config.problems)
    assert config.services[1].location == Location("/etc/xinetd.d/link_nodot", 1)


def test_a_missing_include_is_reported_but_is_the_configs_real_state() -> None:
    files = RootedXinetdFiles(None, {"/etc/xinetd.d": "/nonexistent/xinetd.d"})
    config = parse("includedir /etc/xinetd.d\ninclude /nonexistent/extra.conf\n", files=files)
    assert [p.message.split(":")[0] for p in config.problems] == [
        "Unable to read included directory", "Unable to open included configuration file"]
    assert [p.io_error for p in config.problems] == [False, False]


def test_an_include_we_may_not_read_is_an_io_problem() -> None:
    class Denied(RootedXinetdFiles):
        def read_text(self, path: str) -> str:
            raise PermissionError(13, "Permission denied", path)

    config = parse("include /etc/xinetd.extra\n", files=Denied())
    assert [(p.io_error, p.message) for p in config.problems] == [
        (True, "Unable to open included configuration file: /etc/xinetd.extra: Permission denied")]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "defaults\n{\n}\n"])
def test_empty_configurations_have_no_services(text: str) -> None:
    config = parse(text)
    assert config.services == () and config.fatal is None


def test_etc_services_reader_keeps_aliases_and_first_entry() -> None:
    table = parse_etc_services("ssh 22/tcp  # comment\nfoo 100/udp bar\nssh 2222/tcp\n")
    assert table == {("ssh", "tcp"): 22, ("foo", "udp"): 100, ("bar", "udp"): 100}


def test_an_empty_enabled_list_in_defaults_disables_everything() -> None:
    config = echo(defaults="\tenabled =")
    assert "not listed in defaults enabled" in (only(config, "echo").disabled_reason or "")


def test_crlf_files_keep_the_cr_in_the_last_token() -> None:
    (service,) = parse((INTERNAL_ECHO % "").replace("\n", "\r\n")).services
    assert service.name == "echo\r" and not service.enabled
    assert "Bad service type: UNLISTED\r" in (service.disabled_reason or "")


def test_partial_numeric_addresses_mean_what_inet_aton_makes_of_them() -> None:
    service = only(echo("\tonly_from = 10 10.1 10.1.{1,2}"), "echo")
    assert values(service, "only_from") == ("0.0.0.10", "10.0.0.1", "10.1.{1,2}")


def test_bind_name_family_comes_from_etc_hosts() -> None:
    host = XinetdHost(services=SERVICES, hosts={"localhost": ("127.0.0.1",)})
    service = only(parse(INTERNAL_ECHO % "\tbind = localhost", host=host), "echo")
    assert values(service, "flags") == ("IPv4",)


def _no_hang(signum: int, frame: object) -> None:
    raise TimeoutError("the parser is still reading after 20 s")


def test_an_include_loop_is_read_once_not_forever(tmp_path: Path) -> None:
    """Three files of an includedir that include it again grew as 3^32 (the collector hung):
    an include already in the include chain is skipped, each file is read once."""
    import signal

    previous = signal.signal(signal.SIGALRM, _no_hang)
    signal.alarm(20)
    try:
        _include_loop(tmp_path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _include_loop(tmp_path: Path) -> None:
    conf_d = tmp_path / "xinetd.d"
    conf_d.mkdir()
    for name, port in (("a", 20001), ("b", 20002), ("c", 20003)):
        (conf_d / name).write_text("includedir /etc/xinetd.d\n"
                                   + (INTERNAL_ECHO % f"\tid = {name}").replace("20007", str(port)))
    (tmp_path / "self.conf").write_text(f"include {tmp_path}/./self.conf\n")
    files = RootedXinetdFiles(None, {"/etc/xinetd.d": str(conf_d)})
    config = parse(f"includedir /etc/xinetd.d\ninclude {tmp_path}/self.conf\n", files=files)
    assert [service.id for service in config.enabled_services] == ["a", "b", "c"]
    assert config.files == ("/etc/xinetd.conf", "/etc/xinetd.d/a", "/etc/xinetd.d/b", "/etc/xinetd.d/c",
                            f"{tmp_path}/self.conf")
    assert [p.message for p in config.problems if "include loop" in p.message] == [
        "include loop: /etc/xinetd.d is already being read; not read again" for _ in "abc"] + [
        f"include loop: {tmp_path}/./self.conf is already being read; not read again"]
    assert not any(p.io_error for p in config.problems)


def test_too_many_included_files_stop_reading_as_incomplete_evidence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.collect.xinetd import parser

    monkeypatch.setattr(parser, "MAX_FILES_READ", 3)
    conf_d = tmp_path / "xinetd.d"
    conf_d.mkdir()
    for name in "abcd":
        (conf_d / name).write_text("# nothing\n")
    config = parse("includedir /etc/xinetd.d\n", files=RootedXinetdFiles(None, {"/etc/xinetd.d": str(conf_d)}))
    assert config.files == ("/etc/xinetd.conf", "/etc/xinetd.d/a", "/etc/xinetd.d/b")
    assert [p.io_error for p in config.problems] == [True, True]


def test_a_symlink_loop_in_an_includedir_is_skipped_like_xinetd_does(tmp_path: Path) -> None:
    """stat() fails with ELOOP for xinetd as for us: the config's real state, not evidence we
    could not read (which would fail the whole xinetd collector)."""
    conf_d = tmp_path / "xinetd.d"
    conf_d.mkdir()
    (conf_d / "loop").symlink_to(conf_d / "loop")
    (conf_d / "svc").write_text(INTERNAL_ECHO % "")
    config = parse("includedir /etc/xinetd.d\n", files=RootedXinetdFiles(None, {"/etc/xinetd.d": str(conf_d)}))
    assert [service.name for service in config.enabled_services] == ["echo"]
    assert [(p.io_error, p.message.split(":")[0]) for p in config.problems] == [
        (False, "Unable to stat includedir file /etc/xinetd.d/loop")]


def test_live_host_accounts_come_from_nss_like_xinetds_getpwnam(monkeypatch: pytest.MonkeyPatch) -> None:
    """A service running as an LDAP/SSSD account is enabled for xinetd (getpwnam finds it) even
    though /etc/passwd lacks it: judging by /etc/passwd alone reported it disabled (fail open)."""
    import pwd

    from checker.collect.xinetd import host_lookups

    real_getpwnam = pwd.getpwnam

    def getpwnam(name: str) -> object:
        return real_getpwnam("nobody") if name == "ldap-svc" else real_getpwnam(name)

    monkeypatch.setattr(pwd, "getpwnam", getpwnam)
    text = ("service telnet\n{\n\tsocket_type = stream\n\twait = no\n\tuser = ldap-svc\n"
            "\tserver = /bin/cat\n}\nservice ftp\n{\n\tsocket_type = stream\n\twait = no\n"
            "\tuser = no-such-account-anywhere\n\tserver = /bin/cat\n}\n")
    live = parse(text, host=host_lookups(RootedXinetdFiles(None)))
    assert only(live, "telnet").enabled
    assert not only(live, "ftp").enabled and "Unknown user" in (only(live, "ftp").disabled_reason or "")


# ------------------------------------------------- issue 12: what the real 2.3.15.3 does (GRAMMAR.md 8)

@pytest.mark.parametrize("name", ["servers", "services"])
def test_servers_and_services_are_not_built_ins_of_2_3_15_3(name: str) -> None:
    text = (INTERNAL_ECHO % "").replace("service echo", f"service {name}")
    service = only(parse(text), name)
    assert not service.enabled
    assert service.disabled_reason == f"/etc/xinetd.conf:1: No such internal service: {name}/stream - DISABLING"


def test_a_crlf_file_read_from_disk_runs_nothing(tmp_path: Path) -> None:
    conf = tmp_path / "xinetd.conf"
    conf.write_bytes(("defaults\n{\n}\n" + INTERNAL_ECHO % "").replace("\n", "\r\n").encode())
    config = read_xinetd(str(conf))
    assert config is not None and config.services and not config.enabled_services


def test_an_unterminated_defaults_block_swallows_the_services_after_it() -> None:
    config = parse("defaults\n{\n\tinstances = 5\n" + INTERNAL_ECHO % "")
    assert not config.enabled_services
    assert [str(p) for p in config.problems] == ["/etc/xinetd.conf:4: Bad operator for attribute: service",
                                                 "/etc/xinetd.conf:5: missing service keyword"]


def test_an_unterminated_defaults_block_at_the_end_leaves_earlier_services_running() -> None:
    config = parse(INTERNAL_ECHO % "" + "defaults\n{\n\tinstances = 5\n")
    assert [s.name for s in config.enabled_services] == ["echo"]
    # xinetd numbers the end of the file as its last line (here 11), not one past it.
    assert [str(p) for p in config.problems] == ["/etc/xinetd.conf:11: incomplete entry"]
