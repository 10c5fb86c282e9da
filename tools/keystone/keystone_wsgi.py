"""gunicorn entry point for the test Keystone.

keystone parses ``sys.argv`` with oslo.config when it loads, and would choke
on gunicorn's own arguments (the worker exits 2 without a word), so the
arguments are dropped before keystone is imported.
"""

import sys

sys.argv = sys.argv[:1]

from keystone.server.flask import core  # noqa: E402

application = core.initialize_application(name="public", config_files=core._get_config_files())
