from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM would otherwise refuse
# to run in it ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
IGNORED_CONSOLE_ERROR_SOURCES = ("https://assets.nhs.uk/",)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def _is_ignored(message) -> bool:
    """Only failed font loads from assets.nhs.uk: there is no network here."""
    location = (message.location or {}).get("url", "")
    return location.startswith(IGNORED_CONSOLE_ERROR_SOURCES) or any(
        source in message.text for source in IGNORED_CONSOLE_ERROR_SOURCES
    )


@pytest.fixture
def console_errors(page):
    """Every console error and uncaught exception of the page; the test fails on any left at the
    end."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: message.type == "error"
        and not _is_ignored(message)
        and errors.append(f"{message.text} ({(message.location or {}).get('url', '')})"),
    )
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    yield errors
    assert errors == [], "browser console errors"
