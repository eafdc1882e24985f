"""The code version a run is recorded with: the source tree's git state and the binary's hash.

`git describe --always --dirty` names the commit; the tree also counts as dirty when files
outside results/ are untracked (new sources do not show in describe). Because a dirty tree has
no unique name, every run also records the SHA-256 of its scenario binary together with the
shared libraries it loads from the build folder: two runs share a code version only when both
match.
"""

import hashlib
import os
import subprocess


def git_state(source_dir):
    """Returns (describe, dirty). describe is "unknown" outside a git work tree."""
    try:
        describe = subprocess.run(["git", "-C", source_dir, "describe", "--always", "--dirty"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  check=True, timeout=30).stdout.decode().strip()
        status = subprocess.run(["git", "-C", source_dir, "status", "--porcelain",
                                 "--untracked-files=normal", "--", ".", ":(exclude)results"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                check=True, timeout=60).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        return "unknown", True
    dirty = describe.endswith("-dirty") or bool(status.strip())
    if dirty and not describe.endswith("-dirty"):
        describe += "-dirty"
    return describe, dirty


_SYSTEM_DIRS = ("/usr/", "/lib/", "/lib64/", "/lib32/", "/libx32/")


def _build_libraries(binary, build_dir):
    """Shared libraries of `binary` built by this project (ldd): those in the build folder or
    anywhere outside the system library folders (whose contents dpkg versions), sorted."""
    try:
        out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=30, check=False).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return []
    root = os.path.realpath(build_dir) + os.sep
    libs = set()
    for line in out.splitlines():
        if "=>" not in line:
            continue
        target = line.split("=>", 1)[1].strip().split(" (")[0].strip()
        real = os.path.realpath(target) if target.startswith("/") else ""
        if real and (real.startswith(root) or not real.startswith(_SYSTEM_DIRS)):
            libs.add(real)
    return sorted(libs)


def binary_hash(binary, build_dir):
    digest = hashlib.sha256()
    for path in [os.path.realpath(binary)] + _build_libraries(binary, build_dir):
        digest.update(os.path.basename(path).encode() + b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class CodeVersion:
    """The git state of the source tree, shared by all campaigns of one invocation."""

    def __init__(self, source_dir, build_dir):
        self.source_dir = source_dir
        self.build_dir = build_dir
        self.git, self.dirty = git_state(source_dir)
        self._hashes = {}

    def for_binary(self, binary):
        if binary not in self._hashes:
            self._hashes[binary] = binary_hash(binary, self.build_dir)
        return {"git": self.git, "binary_sha256": self._hashes[binary]}


def short(version):
    """A one-word spelling of a run's code version: describe + 12 hex of the binary hash."""
    if not version:
        return "unknown"
    return "%s+%s" % (version.get("git", "unknown"), version.get("binary_sha256", "")[:12])
