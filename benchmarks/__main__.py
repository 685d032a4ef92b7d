"""Entry point: ``python -m benchmarks [--sizes 1000,10000] [--quick]``."""

from benchmarks.run import main

raise SystemExit(main())
