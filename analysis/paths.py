"""Fixed names shared by the analysis modules: folders, scenario and scheme names."""

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAMPAIGN_DIR = os.path.join(REPO_ROOT, "analysis", "campaigns")
DEFAULT_RESULTS = os.path.join(REPO_ROOT, "results")

# Scenarios the design names (DESIGN.md section 5). A campaign for one of these whose binary is
# not built yet is skipped as "not yet modelled"; any other missing scenario is an error.
PLANNED_SCENARIOS = (
    "crash-reboot",
    "failover",
    "load-balancer",
    "sa-loss",
    "mitm",
    "reboot-storm",
)

# Report and figure order of the schemes (DESIGN.md section 4).
SCHEMES = ("none", "hint", "initial-contact", "trust", "qcd", "sir")

# Flags the runner sets itself: a campaign must not set them.
RUNNER_FLAGS = ("RngRun", "outDir")

NOT_MODELLED = "not measured (not yet modelled)"


def binary_path(build_dir, scenario):
    """Where a scenario program lives in a build folder."""
    return os.path.join(os.path.abspath(build_dir), "scenarios", scenario)


def raw_dir(results_dir):
    return os.path.join(results_dir, "raw")


def summary_dir(results_dir):
    return os.path.join(results_dir, "summary")


def figures_dir(results_dir):
    return os.path.join(results_dir, "figures")
