"""Full-page screenshots of HeardBack pages at desktop and phone widths, for a person to review.

    python scripts/screenshots.py [--base-url URL] [--out DIR] [path ...]

The site must be running (`make run`, optionally with DEMO=1 for data to look at). Each path is
saved as <out>/<name>-<width>.png, e.g. `/employers?q=acme` at 360 px as employers-q-acme-360.png.
Without paths, the public pages are taken. Uses Debian's Chromium (apt-get install chromium) and
never downloads a browser.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {1280: 800, 360: 740}  # viewport width -> height
DEFAULT_PATHS = [
    "/",
    "/employers",
    "/methodology",
    "/guidelines",
    "/privacy",
    "/sign-up",
    "/sign-in",
    "/reset-password",
    "/no-such-page",
]
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"


def name_for(path: str) -> str:
    """A file name for a path: `/` is home, other characters become dashes."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-").lower()
    return slug or "home"


def check_server(base_url: str) -> None:
    try:
        urllib.request.urlopen(base_url + "/healthz", timeout=5)  # noqa: S310 (a URL we were given)
    except urllib.error.HTTPError:
        pass  # it answers; an error page is still a page to look at
    except (urllib.error.URLError, OSError) as error:
        sys.exit(
            f"No server at {base_url} ({error}). Start one with `make run`, or pass --base-url."
        )


def take(base_url: str, paths: list[str], out: Path) -> list[Path]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("Playwright isn't installed: run `make install-dev`.")
    if not CHROMIUM.exists():
        sys.exit("Debian chromium not installed: apt-get install chromium")

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    foreign: set[str] = set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        for width, height in WIDTHS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height}, base_url=base_url
            )
            context.on(
                "request",
                lambda request: (
                    None if request.url.startswith(base_url + "/") else foreign.add(request.url)
                ),
            )
            page = context.new_page()
            for path in paths:
                response = page.goto(path, wait_until="load")
                target = out / f"{name_for(path)}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                status = response.status if response else "?"
                print(f"{width:>5} px  {status}  {path}  ->  {target}")
                saved.append(target)
            context.close()
        browser.close()
    if foreign:
        print("Warning: requests to other hosts:\n  " + "\n  ".join(sorted(foreign)))
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--base-url",
        default="http://127.0.0.1:5000",
        help="where the site runs (default: %(default)s, as `make run` serves it)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder for the PNGs (default: test-artifacts/screenshots)",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        help="paths to take, such as / or /employers?q=acme (default: public pages)",
    )
    args = parser.parse_args(argv)
    base_url = args.base_url.rstrip("/")
    paths = [path if path.startswith("/") else "/" + path for path in args.paths or DEFAULT_PATHS]
    check_server(base_url)
    saved = take(base_url, paths, args.out)
    print(f"{len(saved)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
