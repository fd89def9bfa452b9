"""JUnit XML for CI test tabs (Jenkins xunit, GitLab, GitHub test reporters), built with junit-xml.

One `<testsuite>` per host (named after the host), one `<testcase>` per result:
`classname` is the check id (no dots, so reporters do not split it into packages), `name`
the resource. `fail` -> `<failure>`, `error` -> `<error>`, `skip` -> `<skipped>`, each with
the readable message both in the `message` attribute and at the start of the element text.
`pass` and `waived` are passing testcases; a waived one says in `<system-out>` that it was
waived, why, and until when. An empty report still gets one placeholder testcase, because
several reporters treat a file without testcases as an error: skipped when the hosts gave no
result, an `<error>` when there was no host at all (the exit code is then 3, not 0).

What junit-xml 1.9 lacks, and this module adds:

* its illegal-character filter runs *after* serialising to ASCII, so a non-ASCII illegal
  code point (U+FFFE, a lone surrogate) becomes `&#65534;`, a character reference XML 1.0
  forbids: the output does not parse. We strip every non-`Char` code point first;
* it writes `disabled="0"` on `<testsuites>` and `<testsuite>`, which junit-10.xsd (and the
  windyroad XSD) reject: we drop it;
* its pretty printer (minidom) writes newlines in attributes raw, so parsers turn them
  into spaces: we indent with ElementTree instead (which writes `&#10;`).

Speed: junit-xml's `to_xml_report_string` serialises every suite, regex-cleans the string and
(for us) had to be parsed again to drop `disabled` and re-indent: three passes over a report
that can hold 20,000 testcases. We take each suite's element from junit-xml's own
`TestSuite.build_xml_doc()`, put them under one `<testsuites>` with the totals junit-xml
would write, and serialise once. The bytes are those of the three-pass version: DEL (which
its cleaner removed) is removed, and so is a carriage return in element text (its cleaner
removed those too; one in an attribute is kept, as `&#13;`).

`file`/`line` (`--junit-file-attrs`) are what GitLab and the GitHub test-report actions
read, but neither junit-10.xsd nor the windyroad XSD declares them on `<testcase>`: with
that option the output is valid except for exactly those two attributes.

Must not: do file I/O, read a clock (no `timestamp` other than the snapshot's), or drop
anything but characters XML cannot carry. A carriage return in text is normalised to a
newline by every XML parser; that is XML, not us.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from junit_xml import TestCase, TestSuite

from checker.formatters._common import (
    evidence_text,
    sorted_hosts,
    sorted_results,
    strip_xml_illegal,
    waiver_note,
)
from checker.formatters.interface import FormatOptions, Formatter
from checker.model import HostReport, Report, Result, Status

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
PLACEHOLDER_SUITE = "surfacecheck"


def _details(result: Result) -> str:
    """The element text: the message first, then everything a reader needs to act."""
    lines = [result.message or f"{result.check.value}: {result.status.value}"]
    lines.append(f"check: {result.check.value} (severity {result.severity.value})")
    lines.append(f"host: {result.host}")
    lines.append(f"resource: {result.resource}")
    if result.location is not None:
        lines.append(f"baseline: {result.location}")
    if result.evidence:
        lines.append(f"evidence: {evidence_text(result.evidence)}")
    if result.waiver is not None:
        lines.append(waiver_note(result))
    if result.controls:
        lines.append(f"controls: {', '.join(result.controls)}")
    if result.remediation and result.status in (Status.FAIL, Status.ERROR):
        lines.append(f"remediation: {result.remediation}")
    return strip_xml_illegal("\n".join(lines))


def _testcase(result: Result, options: FormatOptions) -> TestCase:
    file = line = None
    if options.junit_file_attrs and result.location is not None:
        file = strip_xml_illegal(result.location.file)
        line = str(result.location.line) if result.location.line > 0 else None
    case = TestCase(
        strip_xml_illegal(result.resource) or "(no resource)",
        classname=result.check.value.replace(".", "_"),
        file=file,
        line=line,
    )
    message = strip_xml_illegal(result.message) or f"{result.check.value}: {result.status.value}"
    details = _details(result)
    if result.status is Status.FAIL:
        case.add_failure_info(message=message, output=details, failure_type=result.severity.value)
    elif result.status is Status.ERROR:
        case.add_error_info(message=message, output=details, error_type="evidence-missing")
    elif result.status is Status.SKIP:
        case.add_skipped_info(message=message, output=details)
    elif result.status is Status.WAIVED and result.waiver is not None:
        case.stdout = strip_xml_illegal(
            f"waived: {result.waiver.reason}\n"
            f"waived until {result.waiver.expires.isoformat()} by the waiver at {result.waiver.location}\n"
            + details
        )
    else:
        case.stdout = details
    return case


def _suite(host: HostReport, report: Report, options: FormatOptions) -> TestSuite:
    info = host.snapshot.host
    properties = {
        "baseline": strip_xml_illegal(report.baseline_name),
        "baseline.path": strip_xml_illegal(report.baseline_path),
        "baseline.sha256": report.baseline_sources[0].sha256 if report.baseline_sources else "",
        "collected_at": strip_xml_illegal(info.collected_at),
        "privileged": "true" if info.privileged else "false",
        "tool.version": strip_xml_illegal(report.tool_version),
    }
    return TestSuite(
        strip_xml_illegal(host.name) or "(unnamed host)",
        [_testcase(result, options) for result in sorted_results(host)],
        hostname=strip_xml_illegal(info.hostname) or None,
        timestamp=strip_xml_illegal(info.collected_at) or None,
        properties=properties,
    )


NO_HOST = "no host was audited: no snapshot, no inside view and no scanned host (exit code 3)"


def _placeholder(report: Report) -> TestSuite:
    """The one testcase of an empty report: skipped when hosts gave no result (nothing to check),
    an error when there was no host at all (nothing was audited: the exit code says 3)."""
    if not report.hosts:
        case = TestCase("no host", classname=PLACEHOLDER_SUITE)
        case.add_error_info(message=NO_HOST, output=NO_HOST, error_type="evidence-missing")
        return TestSuite(PLACEHOLDER_SUITE, [case])
    case = TestCase("no results", classname=PLACEHOLDER_SUITE)
    case.add_skipped_info(message="no rule produced a result: nothing was evaluated",
                          output="no rule produced a result: nothing was evaluated")
    return TestSuite(PLACEHOLDER_SUITE, [case])


def _document(suites: list[TestSuite]) -> ET.Element:
    """One `<testsuites>` holding every suite's element, with junit-xml's totals (not `disabled`)."""
    root = ET.Element("testsuites")
    totals = {"errors": 0, "failures": 0, "tests": 0}
    time = 0.0
    for suite in suites:
        element = suite.build_xml_doc()
        element.attrib.pop("disabled", None)
        for key in totals:
            totals[key] += int(element.get(key, 0))
        time += float(element.get("time", 0))
        root.append(element)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", str(time))
    return root


class JunitFormatter(Formatter):
    def format(self, report: Report, options: FormatOptions) -> str:
        suites = [_suite(host, report, options) for host in sorted_hosts(report)]
        if not any(suite.test_cases for suite in suites):
            suites.append(_placeholder(report))
        root = _document(suites)
        ET.indent(root, space="  ")
        text = ET.tostring(root, encoding="unicode")
        # What junit-xml's cleaner did to the serialised string: it removed DEL, and CR from
        # text (ElementTree writes a CR in an attribute as `&#13;`, so a raw one is in text).
        if "\x7f" in text or "\r" in text:
            text = text.replace("\x7f", "").replace("\r", "")
        return XML_DECLARATION + text + "\n"


FORMATTER = JunitFormatter()
