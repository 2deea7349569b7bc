"""A tiny module built by following docs/modules.md, installed in the test settings only.

It proves the page: the registry-wide conformance test
(tests/platform/core/test_module_conformance.py) passes for it like for the real modules.
"""
