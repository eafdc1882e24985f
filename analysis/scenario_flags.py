"""A scenario program's flags, read from its --help, and the checks of campaign values.

Scenario programs use ns-3's CommandLine, whose help looks like

    crash-reboot [Program Options] [General Arguments]

    Program Options:
        --scheme:    Recovery scheme: none|hint|initial-contact|trust|qcd|sir [none]
        --bootTime:  Seconds from crash to the daemon being back [30]

    General Arguments:
        --PrintGlobals:   Print the list of globals.

The value in brackets is the default; its form gives the flag's type (bool, number, ns-3 Time,
string; an integer-looking default only says "number", since ns-3 prints the double 30.0 as
"30"), and a string flag whose description lists a|b|c containing the default only accepts those.
"""

import math
import os
import re
import subprocess

# ns-3 global values every program accepts besides its own options (--PrintGlobals lists them).
NS3_GLOBALS = ("RngRun", "RngSeed", "SchedulerType", "SimulatorImplementationType",
               "ChecksumEnabled")

_OPTION_RE = re.compile(r"^\s+--([A-Za-z0-9_.\-]+):\s*(.*?)\s*$")
_DEFAULT_RE = re.compile(r"^(.*?)\s*\[([^\[\]]*)\]$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_TIME_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(s|ms|us|ns|ps|fs|min|h|d|y)$")
_CHOICES_RE = re.compile(r"[A-Za-z0-9_.\-]+(?:\|[A-Za-z0-9_.\-]+)+")
_BOOL_WORDS = ("true", "false", "1", "0", "t", "f")


class FlagSpec:
    """One program option: name, description, default (None when the help shows none), kind."""

    def __init__(self, name, description, default):
        self.name = name
        self.description = description
        self.default = default
        self.kind, self.choices = _infer_kind(description, default)

    def __repr__(self):
        return "FlagSpec(%r, kind=%r, default=%r)" % (self.name, self.kind, self.default)


def _infer_kind(description, default):
    if default is None:
        return "string", None
    if default in ("true", "false"):
        return "bool", None
    if _FLOAT_RE.match(default):
        # ns-3 prints a double 30.0 as "30": an integer-looking default may be either.
        return "number", None
    if _TIME_RE.match(default):
        return "time", None
    for match in _CHOICES_RE.findall(description):
        choices = tuple(match.split("|"))
        if default in choices:
            return "choice", choices
    return "string", None


def parse_help(text):
    """Returns {name: FlagSpec} of the Program Options section of ns-3 CommandLine help."""
    flags = {}
    section = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.endswith(":") and not stripped.startswith("--"):
            section = stripped[:-1]
            continue
        if section != "Program Options":
            continue
        match = _OPTION_RE.match(line)
        if not match:
            continue
        name, rest = match.group(1), match.group(2)
        default = None
        dmatch = _DEFAULT_RE.match(rest)
        if dmatch:
            rest, default = dmatch.group(1), dmatch.group(2)
        flags[name] = FlagSpec(name, rest, default)
    return flags


_CACHE = {}


def read_flags(binary):
    """Runs `binary --help` (cached by path, size and mtime) and returns {name: FlagSpec}.

    Raises ValueError naming the binary when the help cannot be read.
    """
    st = os.stat(binary)
    key = (os.path.realpath(binary), st.st_size, st.st_mtime_ns)
    if key in _CACHE:
        return _CACHE[key]
    try:
        proc = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ValueError("cannot run %s --help: %s" % (binary, err)) from err
    text = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0 or ("Program Options:" not in text
                                and "General Arguments:" not in text):
        raise ValueError("%s --help exited %d without an ns-3 option list"
                         % (binary, proc.returncode))
    flags = parse_help(text)
    _CACHE[key] = flags
    return flags


def is_known_flag(name, flags):
    """Program options, ns-3 global values and attribute paths (ns3::Type::Attribute)."""
    return name in flags or name in NS3_GLOBALS or name.startswith("ns3::")


def check_value(name, value, flags):
    """Returns None when `value` suits flag `name`, else a message saying why not."""
    if not isinstance(value, (bool, int, float, str)):
        return "value %r of --%s is a %s; use a string, number or boolean" % (
            value, name, type(value).__name__)
    if isinstance(value, float) and not math.isfinite(value):
        return "value %r of --%s is not finite" % (value, name)
    spec = flags.get(name)
    if spec is None:
        return None
    kind = spec.kind
    text = format_value(value)
    if kind == "bool":
        ok = isinstance(value, bool) or (isinstance(value, str) and value.lower() in _BOOL_WORDS)
        expected = "a boolean"
    elif kind == "number":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_FLOAT_RE.match(value)))
        expected = "a number"
    elif kind == "time":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_TIME_RE.match(value) or _FLOAT_RE.match(value)))
        expected = "an ns-3 time (seconds as a number, or a string such as \"50ms\")"
    elif kind == "choice":
        ok = isinstance(value, str) and value in spec.choices
        expected = "one of " + "|".join(spec.choices)
    else:
        ok = True
        expected = "a string"
    if ok:
        return None
    return "value %s of --%s is not %s (default %s)" % (
        _show(value, text), name, expected, spec.default)


def _show(value, text):
    return '"%s"' % text if isinstance(value, str) else text


def format_value(value):
    """The command-line spelling of a campaign value (the same on every machine)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # shortest round-trip spelling, identical on every machine
    return str(value)
