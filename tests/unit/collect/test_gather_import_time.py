"""An imported scan without times is dated at import, never 1970 (waivers must expire)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from checker.collect.gather import import_nmap_xml
from support import TESTDATA


def test_imported_scan_without_start_time_is_dated_at_import(tmp_path: Path) -> None:
    source = (TESTDATA / "nmap-xml" / "_generated-locally" / "loopback-7.93-tcp.xml").read_text()
    undated = re.sub(r' (start|starttime|endtime|time)="[^"]*"', "", source)
    undated = re.sub(r' (startstr|timestr)="[^"]*"', "", undated)
    path = tmp_path / "undated.xml"
    path.write_text(undated)
    (scan,) = import_nmap_xml(str(path))
    started = dt.datetime.fromisoformat(scan.started_at.replace("Z", "+00:00"))
    assert abs((dt.datetime.now(dt.UTC) - started).total_seconds()) < 3600
