"""surfacecheck: policy-as-code compliance checks for a Linux host's network attack surface.

Importing this package must stay cheap: `surfacecheck --version` is benchmarked against
`python -c pass`, so nothing heavy (yaml, jsonschema, psutil, nmap) is imported here.
"""

__version__ = "0.1.0"
