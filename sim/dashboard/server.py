"""Starting the dashboard's web server: Solara's own server (``solara run``) on the page module,
in production mode (no code reloading, no debugging hooks), so that what a user starts is what
the browser test starts."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

APP = "sim.dashboard.app"
WORKERS_ENV = "RURALEDU_DASHBOARD_WORKERS"  # the page's number of run workers (``--workers``)
EXTRA = "pip install -e \".[dashboard]\""


def available() -> bool:
    """Whether Solara (the ``dashboard`` extra) is installed."""
    return importlib.util.find_spec("solara") is not None


def command(host: str, port: int, open_browser: bool = False) -> list[str]:
    """The ``solara run`` command line serving the page at ``http://host:port`` (without
    Solara's check for a newer release: the extra pins the version its assets match)."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--no-check-version", "--open" if open_browser else "--no-open"]


def environment(workers: int | None = None) -> dict[str, str]:
    """This process's environment, with the number of run workers when given."""
    env = dict(os.environ)
    if workers is not None:
        env[WORKERS_ENV] = str(workers)
    return env


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          workers: int | None = None) -> int:
    """Serve the dashboard until interrupted; the server's exit status."""
    try:
        return subprocess.call(command(host, port, open_browser), env=environment(workers))
    except KeyboardInterrupt:  # Ctrl-C reaches the server too, which stops on its own
        return 0
