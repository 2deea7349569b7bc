"""French first: the French catalogue is complete (no untranslated or fuzzy entry)."""

import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[3] / "locale"


@pytest.mark.parametrize("domain", ["django"])
def test_french_catalogue_is_complete(domain):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext is missing: run `make setup`"
    result = subprocess.run(
        [
            msgfmt,
            "--check",
            "--statistics",
            "-o",
            "/dev/null",
            str(LOCALE / "fr" / "LC_MESSAGES" / f"{domain}.po"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip()
    assert "translated message" in statistics
    assert "fuzzy" not in statistics, statistics
    assert "untranslated" not in statistics, statistics
