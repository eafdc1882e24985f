"""Command line of the analysis package: `/usr/bin/python3 -m analysis <command> ...`.

    validate  CAMPAIGN... --build DIR            check campaign files; runs nothing
    run       CAMPAIGN... --build DIR [...]      run the missing runs
    aggregate CAMPAIGN... --build DIR            write results/summary/*.csv
    report    [--results DIR]                    figures and EVALUATION.md from the CSVs
    evaluate  --build DIR [--full] [...]         all of it for the default campaigns
"""

import argparse
import os
import sys

from analysis import aggregate
from analysis import campaign as campaign_mod
from analysis import paths
from analysis import plots
from analysis import report
from analysis import runner


def _say(text):
    sys.stderr.write("[analysis] %s\n" % text)


def _add_common(parser, with_build=True):
    if with_build:
        parser.add_argument("--build", required=True,
                            help="build folder holding scenarios/<scenario> programs")
    parser.add_argument("--results", default=paths.DEFAULT_RESULTS,
                        help="results folder (default: %(default)s)")


def _add_run_options(parser):
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on this Dask distributed scheduler instead of local cores")
    parser.add_argument("--jobs", type=int, default=None,
                        help="local concurrent runs (default: all cores)")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="run even though the source tree has uncommitted changes")
    parser.add_argument("--force", action="store_true",
                        help="redo runs made by other code instead of refusing to mix them")
    parser.add_argument("--source", default=paths.REPO_ROOT,
                        help="source tree whose git state is the code version")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _load(files, build):
    notes = []
    try:
        ready, absent = campaign_mod.load_all(files, build, notes)
    except campaign_mod.CampaignError as err:
        _say("invalid campaign files, nothing was run:")
        for problem in err.problems:
            sys.stderr.write("  " + problem + "\n")
        return None
    for camp, message in absent:
        _say("skipping %s: %s" % (camp.name, message))
    for note in notes:
        _say(note)
    return ready, absent


def _run(args, ready):
    try:
        outcome = runner.run(ready, args.build, args.results, source_dir=args.source,
                             scheduler=args.scheduler, jobs=args.jobs,
                             allow_dirty=args.allow_dirty, force=args.force,
                             show_progress=not args.no_progress)
    except runner.RunnerError as err:
        _say("error: %s" % err)
        return None
    _say("%d runs done, %d skipped (already there), %d not yet modelled, %d failed"
         % (len(outcome.ran) - len(outcome.failed) - len(outcome.not_modelled),
            outcome.skipped, len(outcome.not_modelled), len(outcome.failed)))
    return outcome


def _aggregate(args, ready, absent, clean=False):
    if clean:
        aggregate.clean(args.results)
    try:
        rows = aggregate.write_all(ready, absent, args.results, allow_mixed=args.force)
    except aggregate.AggregateError as err:
        _say("error: %s" % err)
        return False
    _say("summaries: %s (%d campaigns)" % (os.path.join(args.results, "summary"), len(rows)))
    return True


def _report(results, note=""):
    rows = plots.draw_all(results)
    for row in rows:
        if row["status"] == "skipped":
            _say("figure %s skipped: %s" % (row["figure"], row["note"]))
    drawn = sum(1 for r in rows if r["status"] == "drawn")
    _say("figures: %d drawn in %s" % (drawn, paths.figures_dir(results)))
    path = report.write(results, note)
    _say("report: %s" % path)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m analysis", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check campaign files")
    p.add_argument("campaigns", nargs="+")
    _add_common(p)
    p = sub.add_parser("run", help="run the missing runs of campaigns")
    p.add_argument("campaigns", nargs="+")
    _add_common(p)
    _add_run_options(p)
    p = sub.add_parser("aggregate", help="write the summary CSVs of campaigns")
    p.add_argument("campaigns", nargs="+")
    _add_common(p)
    p.add_argument("--force", action="store_true", help="accept runs of several code versions")
    p = sub.add_parser("report", help="figures and EVALUATION.md from the summary CSVs")
    _add_common(p, with_build=False)
    p = sub.add_parser("evaluate", help="default campaigns, summaries, figures, report")
    _add_common(p)
    _add_run_options(p)
    p.add_argument("--full", action="store_true", help="the larger campaigns")
    p.add_argument("--campaign", action="append", default=None, metavar="FILE",
                   help="run these campaign files instead of the default set (repeatable)")
    args = parser.parse_args(argv)
    if hasattr(args, "results"):
        args.results = os.path.abspath(args.results)

    if args.command == "report":
        _report(args.results)
        return 0
    if args.command == "evaluate":
        files = args.campaign or campaign_mod.default_files(args.full)
        _say("campaign set: %s (%d files)" % (
            "given" if args.campaign else ("full" if args.full else "default"), len(files)))
    else:
        files = args.campaigns
    loaded = _load(files, args.build)
    if loaded is None:
        return 2
    ready, absent = loaded
    if args.command == "validate":
        _say("%d campaigns valid, %d not yet modelled" % (len(ready), len(absent)))
        return 0
    if args.command == "aggregate":
        return 0 if _aggregate(args, ready, absent) else 2
    outcome = _run(args, ready)
    if outcome is None:
        return 2
    if args.command == "run":
        return 0 if outcome.ok else 1
    if not _aggregate(args, ready, absent, clean=True):
        return 2
    _report(args.results, " Campaign set: %s." % ("full" if args.full else "default")
            if not args.campaign else "")
    if not outcome.ok:
        _say("%d runs failed (reproduce commands above); the report counts them"
             % len(outcome.failed))
        return 1
    return 0
