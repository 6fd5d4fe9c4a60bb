"""`python -m attendance_desk`, and the bundled program (build.spec)."""

import sys

from attendance_desk.cli import main

status = main()
if "attendance_desk.gui.app" in sys.modules:  # the window ran and has closed
    from attendance_desk.gui.app import exit_now

    exit_now(status)
raise SystemExit(status)
