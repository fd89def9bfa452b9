"""xinetd configuration: a complete parser of xinetd.conf and the effective service set.

What it is for: the `xinetd` collector. `parse_xinetd(text, path, ...)` reproduces what
xinetd 2.3.15.3 (the Debian package) does with a configuration, following
../shared/testdata/xinetd/GRAMMAR.md and the binary's own parse dumps:

* line grammar: `service NAME` / `defaults` followed by a line holding only `{`, attribute
  lines `name OP values` (a space is required before the operator), `}` alone on a line;
  `include FILE` and `includedir DIR` (names with `.` or ending in `~` skipped, byte order,
  symlinks followed, not recursive); `#` starts a comment only as the first character of a
  line; keywords, attribute names and enumerated values are case-insensitive;
* `=`, `+=`, `-=` with xinetd's rules (first value of a single-valued attribute wins, `+=`/`-=`
  only on list attributes, `=` in `defaults` accumulates, wrong arity ignored with a warning,
  a rejected value disables the service, `disable = yes` drops it at once);
* the effective configuration after `defaults` (list attributes copied when the service entry
  starts; instances/cps/per_source/max_load/bind/... filled after every file is read) and
  xinetd's built-in defaults, then `enabled`/`disabled`, the required-attribute checks,
  `/etc/services` port checks, internal-service lookup and the bind/port conflict check.

Every value carries the file and line it came from (`<xinetd built-in>:0` for built-ins).

Host dependence: xinetd checks, while parsing, that `user`/`group` exist and `server` is
executable *on the machine it runs on*, and it takes ports from /etc/services. Those lookups
are the `XinetdHost` parameter. `XinetdHost()` (the default) is a *static* parse: accounts
and servers are not checked, so a service is judged on its syntax alone; the live collector
passes the host's (or the --root image's) passwd, group, services and executables, which
reproduces the real xinetd on that host (on the live host accounts are also asked of NSS,
as xinetd's getpwnam does, so LDAP/SSSD accounts count). Host names in `bind`, `only_from`
and `no_access` are never resolved here (xinetd resolves them at start-up); they are kept
as written.

A fatal error in the `defaults` section makes the real xinetd exit (`-d` debug mode carries
on instead). `parse_xinetd(..., debug_mode=False)` models the production daemon: every
service is then reported disabled with that reason. The differential tests compare with dumps
made by `xinetd -d` and pass `debug_mode=True`.

The package, pure parser apart from I/O (modules of checker/collect/xinetd/):

* `attributes`: the attribute tables (arity, allowed values, internal services);
* `model`: the public types (`XinetdFiles`, `XinetdHost`, `XinetdProblem`, `XinetdConfig`);
* `grammar`: the line grammar; `parser`: entries, operators and includes (`parse_xinetd`);
* `values`: what each attribute accepts; `effective`: defaults, built-ins and the checks made
  after every file is read; `entry`: the entry being parsed;
* `etc_tables`: /etc/services, protocols, rpc, hosts, passwd and group, from their text;
* `files`: the only file access (`read_xinetd`, `RootedXinetdFiles`, `host_lookups`), paths
  resolved inside --root by checker/collect/rooted.py.

include/includedir are walked by `parser`, not `files`: the order files are read in decides
which of two services with the same port survives, and an include is parsed where it stands;
`parser` reads them only through the `XinetdFiles` protocol, so it stays free of I/O.

What it must not do: touch the network, resolve names, or read files other than through the
`XinetdFiles` object it is given (the `files` module is the only file access).
"""

from checker.collect.xinetd.etc_tables import parse_etc_services
from checker.collect.xinetd.files import RootedXinetdFiles, host_lookups, read_xinetd
from checker.collect.xinetd.model import BUILTIN_FILE, XinetdConfig, XinetdHost
from checker.collect.xinetd.parser import parse_xinetd

__all__ = [
    "BUILTIN_FILE",
    "RootedXinetdFiles",
    "XinetdConfig",
    "XinetdHost",
    "host_lookups",
    "parse_etc_services",
    "parse_xinetd",
    "read_xinetd",
]
