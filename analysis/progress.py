"""A progress bar with an ETA on stderr.

On a terminal it redraws one line; elsewhere (CI logs, CTest) it prints a line at every tenth
of the work so that logs stay short.
"""

import sys
import time


def _clock(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "%d:%02d:%02d" % (hours, minutes, secs) if hours else "%02d:%02d" % (minutes, secs)


class ProgressBar:
    def __init__(self, total, label="runs", stream=None, width=30, enabled=True):
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.enabled = enabled and total > 0
        self.done = 0
        self.failed = 0
        self.start = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_decile = -1
        self._drawn = False
        if self.enabled:
            self._draw()

    def line(self):
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        elapsed = time.monotonic() - self.start
        if self.done:
            eta = "ETA " + _clock(elapsed / self.done * (self.total - self.done))
        else:
            eta = "ETA --:--"
        failed = ", %d failed" % self.failed if self.failed else ""
        return "[%s%s] %d/%d %s %3d%% %s elapsed, %s%s" % (
            "#" * filled, "." * (self.width - filled), self.done, self.total, self.label,
            int(100 * fraction), _clock(elapsed), eta, failed)

    def _draw(self):
        if self.tty:
            self.stream.write("\r" + self.line())
            self._drawn = True
        else:
            decile = int(10 * self.done / self.total) if self.total else 10
            if decile != self._last_decile or self.done == self.total:
                self._last_decile = decile
                self.stream.write(self.line() + "\n")
        self.stream.flush()

    def advance(self, failed=False):
        self.done += 1
        self.failed += int(bool(failed))
        if self.enabled:
            self._draw()

    def message(self, text):
        """Prints a line above the bar (e.g. a reproduce command)."""
        if self.tty and self._drawn:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        if self.enabled and self.tty:
            self._draw()
        self.stream.flush()

    def close(self):
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
