"""Debian's Chromium (`apt-get install chromium`) for Playwright, never Playwright's own
download: used by scripts/screenshots.py and the browser tests (tests/e2e)."""

from __future__ import annotations

import shutil

from playwright.sync_api import Browser, Playwright

#: Flags for a headless Chromium in a container or CI: no sandbox (root), no GPU, no /dev/shm
#: (often tiny in Docker), and none of the background calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The `chromium` on PATH, or None when the Debian package is not installed."""
    return shutil.which("chromium")


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
