"""Driving the dashboard in a real headless browser, for the browser test and the benchmark.

The server is started as a user starts it (``solara run`` in production mode, ``server.command``)
on a free local port; the browser is the system's Chromium (Debian's ``chromium`` package),
driven by Playwright through ``executable_path``, so no browser download is needed. Playwright
is a test dependency (the ``test`` extra), imported only here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .server import command, environment

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
STARTUP_S = 120.0  # server start: Solara's import and the first page render
RUN_S = 120.0  # the first run (the baseline and the package, uncached) on a slow machine


def find_chromium() -> str | None:
    """The system Chromium's path (``$CHROMIUM`` first), or None."""
    given = os.environ.get("CHROMIUM")
    if given:
        return given if Path(given).is_file() else shutil.which(given)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(log: Path, workers: int | None = None) -> Iterator[str]:
    """The dashboard served on a free localhost port, its URL; stopped (with its run workers,
    which share its process group) on leaving."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(log, "wb") as out:
        proc = subprocess.Popen(command("127.0.0.1", port), env=environment(workers),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(url, proc, log)
        yield url
    finally:
        _stop(proc)


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard server exited ({proc.returncode}):\n"
                               f"{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the dashboard server did not answer at {url} within {STARTUP_S:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    """End the server and its workers: SIGTERM to its process group, SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


class Dashboard:
    """The dashboard page in a Playwright page: what the tests read and do."""

    def __init__(self, page: Any):
        self.page = page

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.wait_for_run(1)

    def status(self) -> str:
        return self.page.locator(".rd-status").first.inner_text()

    def run_number(self) -> int:
        found = re.match(r"Run (\d+):", self.status())
        return int(found.group(1)) if found else 0

    def wait_for_run(self, number: int, timeout_s: float = RUN_S) -> None:
        """Until the page shows run ``number``'s results."""
        self.page.wait_for_function(
            "n => { const s = document.querySelector('.rd-status');"
            " return s && s.innerText.startsWith('Run ' + n + ':'); }",
            arg=number, timeout=timeout_s * 1000, polling=50)

    def fan_chart(self) -> bytes:
        """The fan chart as the browser draws it (PNG)."""
        return self.page.locator(".rd-fan").first.screenshot()

    def targets(self) -> str:
        return self.page.locator("table.rd-targets").first.inner_text()

    def slider_text(self, lever: str) -> str:
        return self.page.locator(f".rd-lever-{lever}").first.inner_text()

    def move_main_setting(self, lever: str, key: str, presses: int = 1) -> None:
        """Move a lever's main setting with the keyboard, as a user can: focus its slider's
        thumb and press ``key`` (``Home``, ``End``, ``ArrowLeft``...)."""
        thumb = self.page.locator(f".rd-lever-{lever} [role=slider]").first
        thumb.focus()
        for _ in range(presses):
            thumb.press(key)

    def run(self) -> float:
        """Press Run; the seconds until the new results are on the page."""
        number = self.run_number()
        t0 = time.perf_counter()
        self.page.locator(".rd-run").first.click()
        self.wait_for_run(number + 1)
        self.page.locator(".rd-fan").first.wait_for(state="visible")
        return time.perf_counter() - t0


@contextmanager
def browser_page(chromium: str, width: int = 1500, height: int = 1000) -> Iterator[Any]:
    """A headless Chromium page (Playwright, the system browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield browser.new_page(viewport={"width": width, "height": height},
                                   accept_downloads=True)
        finally:
            browser.close()
