"""A stop signal that a library turned into an error of its own is still recognised as a stop."""

from __future__ import annotations

import pytest

from extractd.queue.worker import caused_by_interrupt


class LibraryError(Exception):
    pass


def _raise_wrapped_interrupt() -> None:
    # The pattern seen in a real worker stop: a config library caught the KeyboardInterrupt that Huey
    # raises on SIGTERM and raised its own error `from None` (suppressed, but still the context).
    try:
        raise KeyboardInterrupt
    except BaseException as exc:
        raise LibraryError(str(exc)) from None


def test_an_error_raised_while_handling_an_interrupt_is_a_stop() -> None:
    with pytest.raises(LibraryError) as caught:
        _raise_wrapped_interrupt()
    assert caused_by_interrupt(caught.value)


def test_an_error_whose_cause_chain_holds_an_interrupt_is_a_stop() -> None:
    try:
        try:
            _raise_wrapped_interrupt()
        except LibraryError as inner:
            raise ValueError("could not read the page") from inner
    except ValueError as outer:
        assert caused_by_interrupt(outer)


def test_ordinary_errors_are_not_stops() -> None:
    try:
        try:
            raise OSError("disk")
        except OSError as inner:
            raise ValueError("could not read the page") from inner
    except ValueError as outer:
        assert not caused_by_interrupt(outer)
    assert not caused_by_interrupt(LibraryError("plain"))


def test_a_cyclic_chain_ends() -> None:
    first, second = LibraryError("a"), LibraryError("b")
    first.__context__, second.__context__ = second, first
    assert not caused_by_interrupt(first)
