"""The `xinetd` collector: a thin adapter from `checker.collect.xinetd` to the collector interface.

What it is for: deciding the completeness of the xinetd evidence. `read_xinetd` (the package
`checker.collect.xinetd`) reads and parses the configuration; this module only turns its
outcome into a run: absent file, unreadable include, xinetd's own warnings.

What it must not do: parse xinetd syntax or read files itself.
"""

from __future__ import annotations

from checker.collect.interface import CollectedEvidence, CollectionContext, EvidenceCollector, InsideEvidence
from checker.model import Collector

DEFAULT_XINETD_CONF = "/etc/xinetd.conf"


class XinetdCollector(EvidenceCollector):
    """`xinetd`: every service of the effective configuration (/etc/xinetd.conf or --xinetd-conf)."""

    name = Collector.XINETD

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        from checker.collect.xinetd import read_xinetd  # the parser is large: only when collecting

        path = context.xinetd_conf or DEFAULT_XINETD_CONF
        try:
            config = read_xinetd(path, context.root)
        except OSError as exc:
            return self.failed(f"{path}: {exc.strerror or exc}")
        if config is None:
            if context.xinetd_conf is not None:  # asked for explicitly: its absence is a failure, not "no xinetd"
                return self.failed(f"{path}: No such file or directory")
            return self.ok(InsideEvidence(), f"{path} not present: xinetd not configured")
        evidence = InsideEvidence(xinetd_services=tuple(config.services))
        unreadable = [problem for problem in config.problems if problem.io_error]
        if unreadable:
            # Services in the unreadable part are unknown: the evidence is incomplete.
            return self.failed(str(unreadable[0]), evidence)
        if config.fatal:
            return self.ok(evidence, config.fatal)
        if config.problems:
            # What xinetd itself would log; the services it affects carry their own reasons.
            count = len(config.problems)
            return self.ok(evidence, f"{count} xinetd warning{'s' if count > 1 else ''}; first: {config.problems[0]}")
        return self.ok(evidence)
