"""Refusals every entry point words the same way."""

from __future__ import annotations


class Conflict(Exception):
    """The request is understood and allowed, but the object's current state refuses it (it moved
    on meanwhile, or was never in a state that allows it). The API answers 409 with `message`; the
    browser shows `message` on the page. Either way the person reads the same words."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)
