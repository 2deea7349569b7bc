"""Fixtures shared by the accounts tests."""

import contextlib
import logging

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # throttles and resend limits count in the cache
    yield
    cache.clear()


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@contextlib.contextmanager
def captured_logs(*names: str):
    """Records of the named loggers (works with or without pytest's logging plugin)."""
    handler = ListHandler()
    loggers = [logging.getLogger(name) for name in names]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        for lg, level in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)


@pytest.fixture
def auth_log():
    """Records of voisinage.auth, the structured auth events."""
    with captured_logs("voisinage.auth") as records:
        yield records
