"""Progress of long commands: a bar on a terminal, a plain line now and then in a log.

Neither writes ANSI codes or rewrites a line outside a terminal, so a redirected log
holds one readable line per update.
"""

import sys
import time

#: Seconds between two lines in a log (not a terminal).
LOG_INTERVAL = 10.0
#: Seconds between two redraws of the bar on a terminal.
BAR_INTERVAL = 0.2
BAR_WIDTH = 30


def is_terminal(stream):
    """Whether `stream` is an interactive terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def keras_verbosity(quiet=False, stream=None):
    """Keras `verbose` for a command's training: 0 when `quiet`, 1 (Keras' bar) on a
    terminal, else 2 (one line per epoch).

    Keras draws its bar with ANSI colours and backspaces whenever it runs on a POSIX
    system, terminal or not, so a redirected log would fill with escape codes and each
    epoch's line twice; `verbose=2` writes plain lines.

    Args:
        quiet: bool. No progress output.
        stream: the stream Keras writes to (default `sys.stdout`).
    """
    if quiet:
        return 0
    return 1 if is_terminal(sys.stdout if stream is None else stream) else 2


class Progress:
    """Reports the progress of a job counted in rows.

    On a terminal, a bar redrawn in place (`\\r`, no ANSI codes) at most every
    `BAR_INTERVAL` seconds, ended by a newline in `close`; otherwise one line every
    `interval` seconds, e.g. `tfvae score: 43% 1,234,567 rows in 24 s (51,234 rows/s)`.

    Args:
        label: str. Start of each line (the command).
        stream: writable text stream (default `sys.stderr`, beside the results on stdout).
        quiet: bool. Report nothing.
        interval: float or None. Seconds between lines in a log (default `LOG_INTERVAL`).
        unit: str. What is counted.

    Example:
    ```python
    progress = Progress("tfvae score")
    for done, fraction in work():
        progress.update(done, fraction)
    progress.close()
    ```
    """

    def __init__(self, label, stream=None, quiet=False, interval=None, unit="rows"):
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        self.unit = unit
        self.terminal = is_terminal(self.stream)
        default = BAR_INTERVAL if self.terminal else LOG_INTERVAL
        self.interval = default if interval is None else float(interval)
        self.start = time.monotonic()
        self._last = self.start
        self._drawn = 0  # width of the bar line on screen
        self._state = (0, None)

    def update(self, done, fraction=None):
        """Records `done` units (and the `fraction` of the job, if known); reports when due."""
        self._state = (done, fraction)
        now = time.monotonic()
        if self.quiet or now - self._last < self.interval:
            return
        self._last = now
        self._write(self._line(now))

    def close(self):
        """Ends the bar line on a terminal (a log needs no last line: results follow)."""
        if self.quiet or not self.terminal or not self._drawn:
            return
        self._write(self._line(time.monotonic()))
        self.stream.write("\n")
        self.stream.flush()

    def _line(self, now):
        done, fraction = self._state
        seconds = now - self.start
        rate = done / seconds if seconds > 0 else 0.0
        share = "" if fraction is None else f"{min(max(fraction, 0.0), 1.0):.0%} "
        text = f"{done:,} {self.unit} in {seconds:.0f} s ({rate:,.0f} {self.unit}/s)"
        if self.terminal and fraction is not None:
            filled = int(BAR_WIDTH * min(max(fraction, 0.0), 1.0))
            share = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share}"
        return f"{self.label}: {share}{text}"

    def _write(self, line):
        if self.terminal:
            padding = " " * max(self._drawn - len(line), 0)
            self.stream.write(f"\r{line}{padding}")
            self._drawn = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
