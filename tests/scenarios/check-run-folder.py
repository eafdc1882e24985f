#!/usr/bin/python3
"""Runs one scenario program with --quick and checks its run folder is complete.

usage: check-run-folder.py PROGRAM OUTDIR
"""
import json
import os
import shutil
import subprocess
import sys

EVENTS_HEADER = ("time_s,node,event,peer,spi_i,spi_r,child_spi_in,child_spi_out,notify,"
                 "protected,detail")
# doc/metrics.md: what every summary.json has.
SUMMARY_KEYS = ["scenario", "scheme", "profile", "seed", "t_fail", "t_up", "t_detect",
                "t_restored_ab", "t_restored_ba", "recovery_s", "recovery_ba_s", "detection_s",
                "outage_s", "inner_lost", "ike_msgs", "ike_bytes", "unprotected_msgs",
                "crypto_ops", "cpu_s", "state_bytes_per_sa", "persistent_bytes", "recovered"]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main():
    program, outdir = sys.argv[1], sys.argv[2]
    shutil.rmtree(outdir, ignore_errors=True)
    name = os.path.basename(program)
    result = subprocess.run([program, "--quick", "--outDir=" + outdir],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=240)
    print(result.stdout)
    if result.returncode != 0:
        fail(f"{name} --quick exited with {result.returncode}")
    for f in ["params.json", "events.csv", "summary.json", "wall.json"]:
        if not os.path.isfile(os.path.join(outdir, f)):
            fail(f"{name}: {f} missing from the run folder")
    with open(os.path.join(outdir, "events.csv")) as f:
        lines = f.read().splitlines()
    if not lines or lines[0] != EVENTS_HEADER:
        fail(f"{name}: events.csv header is {lines[:1]}")
    if len(lines) < 2:
        fail(f"{name}: events.csv has no events")
    times = [float(line.split(",", 1)[0]) for line in lines[1:]]
    if times != sorted(times):
        fail(f"{name}: events.csv is not in time order")
    with open(os.path.join(outdir, "summary.json")) as f:
        summary = json.load(f)
    missing = [k for k in SUMMARY_KEYS if k not in summary]
    if missing:
        fail(f"{name}: summary.json lacks {missing}")
    if summary["scenario"] != name:
        fail(f"{name}: summary.json names scenario {summary['scenario']}")
    with open(os.path.join(outdir, "params.json")) as f:
        params = json.load(f)
    for k in ["code_version", "seed", "flags"]:
        if k not in params:
            fail(f"{name}: params.json lacks {k}")
    print(f"OK: {name} --quick wrote a complete run folder "
          f"({len(lines) - 1} events, recovered={summary['recovered']})")


if __name__ == "__main__":
    main()
