"""`python -m checker` runs the same CLI as the `surfacecheck` console script."""

from checker._cli import main

raise SystemExit(main())
