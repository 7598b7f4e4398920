"""Render an HTML file in headless Chromium: DOM after scripts ran, console messages, a screenshot."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-unsafe-swiftshader",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=20000", "--window-size=1280,3000"]
# Console lines that mean a script failed (warnings such as WebGL performance notes are not errors).
ERROR_PATTERN = re.compile(r"Uncaught|TypeError|ReferenceError|SyntaxError|RangeError|net::ERR_|Failed to load",
                           re.IGNORECASE)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class Rendered:
    dom: str
    console: list[str]
    errors: list[str]


def render(browser: str, page: Path, profile_dir: Path, screenshot: Path | None = None) -> Rendered:
    """Load ``page`` (file URL), let scripts run, return the DOM and the page's console lines."""
    args = [browser, *FLAGS, f"--user-data-dir={profile_dir}"]
    args += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    proc = subprocess.run(args + [page.resolve().as_uri()], capture_output=True, text=True, timeout=180)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    errors = [line for line in console if ERROR_PATTERN.search(line)]
    return Rendered(proc.stdout, console, errors)
