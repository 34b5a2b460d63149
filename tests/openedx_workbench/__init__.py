"""XBlock SDK's workbench set up to host Open edX's SCORM block (openedx-scorm-xblock) for tests/test_scorm_openedx.py.

The block is the real one, with its own templates, JavaScript and handlers; the workbench is the XBlock runtime
Open edX ships for developing blocks. `settings` and `apps` only adapt the workbench where it differs from the LMS
in ways the block depends on; each adaptation says which.
"""
