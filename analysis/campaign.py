"""Campaign files: loading, validation before anything runs, and expansion into runs.

A campaign is a JSON (or TOML) file:

    {"name": "crash-reboot-schemes", "scenario": "crash-reboot",
     "description": "...", "role": "schemes", "axes": {"series": "scheme"},
     "params": {"profile": "strongswan"},
     "grid": {"scheme": ["none", "qcd"]},
     "seeds": 10}

`params` are fixed flags, `grid` the flags whose values are crossed, `seeds` a count (RngRun 1..N)
or a list of RngRun values. Optional: `role` (which table or figure the campaign feeds),
`axes` (x / series / facet flags of its figure), `timeout_s` (per run).
"""

import difflib
import hashlib
import itertools
import json
import os
import re

from analysis import paths
from analysis import scenario_flags

_KEYS_REQUIRED = ("name", "scenario", "params", "grid", "seeds")
_KEYS_OPTIONAL = ("description", "role", "axes", "timeout_s")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_AXES = ("x", "series", "facet")


class CampaignError(Exception):
    """One or more problems, each naming its file."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class RunSpec:
    """One run: a parameter point of a campaign and one seed."""

    def __init__(self, campaign, point, seed):
        self.campaign = campaign.name
        self.scenario = campaign.scenario
        self.point = dict(point)
        self.seed = seed
        flags = {}
        for name, value in campaign.params.items():
            flags[name] = scenario_flags.format_value(value)
        for name, value in point.items():
            flags[name] = scenario_flags.format_value(value)
        flags["RngRun"] = str(seed)
        self.flags = flags
        key = json.dumps({"scenario": self.scenario, "flags": flags}, sort_keys=True)
        self.run_id = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

    def args(self):
        """Command-line arguments, without --outDir (the runner adds it)."""
        return ["--%s=%s" % (name, value) for name, value in self.flags.items()]


class Campaign:
    def __init__(self, path, data):
        self.path = path
        self.name = data["name"]
        self.scenario = data["scenario"]
        self.description = data.get("description", "")
        self.role = data.get("role", "")
        self.axes = dict(data.get("axes", {}))
        self.params = dict(data["params"])
        self.grid = dict(data["grid"])
        seeds = data["seeds"]
        self.seeds = list(range(1, seeds + 1)) if isinstance(seeds, int) else list(seeds)
        self.timeout_s = data.get("timeout_s")
        self.unsupported_schemes = []  # grid schemes the program does not offer yet

    def points(self):
        names = list(self.grid)
        return [dict(zip(names, values))
                for values in itertools.product(*(self.grid[n] for n in names))]

    def runs(self):
        return [RunSpec(self, point, seed) for point in self.points() for seed in self.seeds]

    def binary(self, build_dir):
        return paths.binary_path(build_dir, self.scenario)


def _reject_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError("duplicate key \"%s\"" % key)
        seen[key] = value
    return seen


def _read(path):
    with open(path, "rb") as handle:
        raw = handle.read()
    if path.endswith(".toml"):
        import tomllib  # Python 3.11; rejects duplicate keys itself

        return tomllib.loads(raw.decode("utf-8"))
    return json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicates)


def _is_scalar(value):
    return isinstance(value, (bool, int, float, str))


def load(path):
    """Reads and checks the structure of one campaign file; raises CampaignError."""
    where = os.path.relpath(path) if not os.path.isabs(path) else path
    try:
        data = _read(path)
    except OSError as err:
        raise CampaignError(["%s: cannot read: %s" % (where, err.strerror)]) from err
    except ValueError as err:  # json.JSONDecodeError, duplicate keys, tomllib errors
        raise CampaignError(["%s: not a valid campaign file: %s" % (where, err)]) from err
    problems = []

    def bad(message):
        problems.append("%s: %s" % (where, message))

    if not isinstance(data, dict):
        raise CampaignError(["%s: the top level must be an object" % where])
    for key in _KEYS_REQUIRED:
        if key not in data:
            bad("missing key \"%s\"" % key)
    for key in data:
        if key not in _KEYS_REQUIRED + _KEYS_OPTIONAL:
            bad("unknown key \"%s\" (allowed: %s)" % (key, ", ".join(_KEYS_REQUIRED
                                                                      + _KEYS_OPTIONAL)))
    name = data.get("name")
    if "name" in data and not (isinstance(name, str) and _NAME_RE.match(name)):
        bad("\"name\" must be a string of letters, digits, '-', '_' or '.' (got %r)" % (name,))
    scenario = data.get("scenario")
    if "scenario" in data and not (isinstance(scenario, str) and _NAME_RE.match(scenario)):
        bad("\"scenario\" must be a program name (got %r)" % (scenario,))
    for key in ("description", "role"):
        if key in data and not isinstance(data[key], str):
            bad("\"%s\" must be a string" % key)
    params = data.get("params", {})
    if not isinstance(params, dict):
        bad("\"params\" must be an object of flag: value")
        params = {}
    for flag, value in params.items():
        if not _is_scalar(value):
            bad("params.%s: value %s is not a string, number or boolean"
                % (flag, json.dumps(value)))
    grid = data.get("grid", {})
    if not isinstance(grid, dict):
        bad("\"grid\" must be an object of flag: [values]")
        grid = {}
    elif "grid" in data and not grid:
        bad("empty grid: give at least one flag with a list of values")
    for flag, values in grid.items():
        if not isinstance(values, list) or not values:
            bad("grid.%s: must be a non-empty list of values" % flag)
            continue
        spelled = []
        for value in values:
            if not _is_scalar(value):
                bad("grid.%s: value %s is not a string, number or boolean"
                    % (flag, json.dumps(value)))
                continue
            text = scenario_flags.format_value(value)
            if text in spelled:
                bad("grid.%s: duplicate value %s" % (flag, json.dumps(value)))
            spelled.append(text)
        if flag in params:
            bad("flag \"%s\" is both in params and in grid" % flag)
    for flag in list(params) + list(grid):
        if flag in paths.RUNNER_FLAGS:
            bad("flag \"%s\" is set by the runner; remove it (seeds go in \"seeds\")" % flag)
    seeds = data.get("seeds")
    if "seeds" in data:
        if isinstance(seeds, bool) or not isinstance(seeds, (int, list)):
            bad("\"seeds\" must be a count or a list of RngRun values")
        elif isinstance(seeds, int) and seeds < 1:
            bad("\"seeds\" must be at least 1 (got %d)" % seeds)
        elif isinstance(seeds, list):
            if not seeds:
                bad("\"seeds\" is an empty list")
            for seed in seeds:
                if isinstance(seed, bool) or not isinstance(seed, int) or seed < 1:
                    bad("seed %s is not a positive integer" % json.dumps(seed))
            if len(set(map(str, seeds))) != len(seeds):
                bad("\"seeds\" lists a seed twice")
    axes = data.get("axes", {})
    if not isinstance(axes, dict):
        bad("\"axes\" must be an object (x, series, facet)")
        axes = {}
    for key, flag in axes.items():
        if key not in _AXES:
            bad("axes.%s: unknown axis (allowed: %s)" % (key, ", ".join(_AXES)))
        elif flag != "scheme" and flag not in grid:
            bad("axes.%s: \"%s\" is not a grid flag" % (key, flag))
    timeout = data.get("timeout_s")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or timeout <= 0):
        bad("\"timeout_s\" must be a positive number of seconds")
    if problems:
        raise CampaignError(problems)
    return Campaign(path, data)


def check_flags(campaign, flags):
    """Problems of a structurally valid campaign against the program's flags ({name: FlagSpec})."""
    problems = []
    where = campaign.path
    values = [(flag, value, "params") for flag, value in campaign.params.items()]
    values += [(flag, value, "grid") for flag, values_ in campaign.grid.items()
               for value in values_]
    reported = set()
    for flag, value, section in values:
        if not scenario_flags.is_known_flag(flag, flags):
            if flag not in reported:
                reported.add(flag)
                near = difflib.get_close_matches(flag, list(flags), n=1)
                hint = " (did you mean --%s?)" % near[0] if near else ""
                problems.append("%s: unknown flag --%s for scenario %s%s; its flags: %s"
                                % (where, flag, campaign.scenario, hint,
                                   ", ".join(sorted(flags))))
            continue
        error = scenario_flags.check_value(flag, value, flags)
        if error:
            problems.append("%s: %s.%s: %s" % (where, section, flag, error))
    return problems


def _drop_unsupported_schemes(campaign, flags):
    """Schemes the program does not offer yet are not modelled, not a campaign error.

    Works when the program's --scheme help lists its choices (a|b|c). Returns a message naming
    the dropped schemes, or "".
    """
    spec = flags.get("scheme")
    if spec is None or spec.kind != "choice":
        return ""
    if "scheme" in campaign.params:
        value = campaign.params["scheme"]
        if value in paths.SCHEMES and value not in spec.choices:
            campaign.unsupported_schemes.append(value)
            campaign.grid["scheme"] = []
            return "scheme %s is not offered by %s yet: not yet modelled" % (
                value, campaign.scenario)
        return ""
    values = campaign.grid.get("scheme", [])
    missing = [v for v in values if v in paths.SCHEMES and v not in spec.choices]
    if not missing:
        return ""
    campaign.unsupported_schemes.extend(missing)
    campaign.grid["scheme"] = [v for v in values if v not in missing]
    return "schemes %s are not offered by %s yet: not yet modelled" % (
        ", ".join(missing), campaign.scenario)


def load_all(files, build_dir, notes=None):
    """Loads and validates every file before anything runs.

    Returns (ready, absent): campaigns whose binary exists and is valid, and
    (campaign, message) pairs for planned scenarios not built yet. Raises CampaignError with
    every problem found in every file (unknown scenario, unknown flag, bad value, ...).
    `notes`, a list, receives messages about schemes dropped as not yet offered.
    """
    problems = []
    loaded = []
    for path in files:
        try:
            loaded.append(load(path))
        except CampaignError as err:
            problems.extend(err.problems)
    names = {}
    for campaign in loaded:
        if campaign.name in names:
            problems.append("%s: campaign name \"%s\" is also used by %s"
                            % (campaign.path, campaign.name, names[campaign.name]))
        names.setdefault(campaign.name, campaign.path)
    ready, absent = [], []
    for campaign in loaded:
        binary = campaign.binary(build_dir)
        if not os.access(binary, os.X_OK):
            if campaign.scenario in paths.PLANNED_SCENARIOS:
                absent.append((campaign, "scenario %s is not built (no %s): not yet modelled"
                               % (campaign.scenario, binary)))
            else:
                problems.append("%s: unknown scenario \"%s\" (no program %s; known: %s)"
                                % (campaign.path, campaign.scenario, binary,
                                   ", ".join(paths.PLANNED_SCENARIOS)))
            continue
        try:
            flags = scenario_flags.read_flags(binary)
        except ValueError as err:
            problems.append("%s: %s" % (campaign.path, err))
            continue
        message = _drop_unsupported_schemes(campaign, flags)
        if message and notes is not None:
            notes.append("%s: %s" % (campaign.name, message))
        if message and not campaign.grid.get("scheme", [None]):
            absent.append((campaign, message))
            continue
        found = check_flags(campaign, flags)
        problems.extend(found)
        if not found:
            ready.append(campaign)
    if problems:
        raise CampaignError(problems)
    return ready, absent


def default_files(full=False):
    """The campaign files of `./testbed evaluate` (or of `--full`)."""
    folder = os.path.join(paths.CAMPAIGN_DIR, "full" if full else "default")
    return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                  if f.endswith((".json", ".toml")))
