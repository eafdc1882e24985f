#!/usr/bin/python3
"""Entry point of `./testbed evaluate --build DIR [--full] [--scheduler tcp://HOST:PORT]`.

Runs the default campaigns (analysis/campaigns/default, or full/ with --full), aggregates them
into results/summary/*.csv, draws results/figures and writes results/EVALUATION.md. Other
options: --jobs N, --allow-dirty, --force, --results DIR, --campaign FILE (see --help).
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
# Import the package as `analysis` from the repository root, never its modules by bare name.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

from analysis.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["evaluate"] + sys.argv[1:]))
