"""Campaign runner, aggregation, plots and the evaluation report of the IKEv2 recovery testbed.

Debian's /usr/bin/python3 with python3-pandas, python3-matplotlib and python3-distributed only.
Modules: campaign (files and validation), scenario_flags (a scenario's --help), codeversion,
execute (one run, stdlib only, also shipped to Dask workers), runner, progress, tdist and stats
(statistics without scipy), aggregate (CSV summaries), plots and timeline (figures from the CSVs),
report (results/EVALUATION.md), evaluate (the `./testbed evaluate` entry point).
"""
