"""`python -m late_logs`: the command line (see late_logs.cli)."""

from __future__ import annotations

from late_logs.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
