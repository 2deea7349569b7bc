"""The layout keeps the standard library's ``platform`` module importable."""

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_platform_source_root_has_no_init():
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_stdlib_platform_module_stays_importable_with_project_on_path():
    code = (
        "import sys, sysconfig; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/platform'];"
        "import platform; assert platform.__file__.startswith(sysconfig.get_paths()['stdlib']),"
        " platform.__file__; print(platform.python_version())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_platform_module_in_this_process_is_stdlib():
    import platform

    assert platform.__file__.startswith(sysconfig.get_paths()["stdlib"])
