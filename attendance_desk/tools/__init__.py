"""Small programs used by the reliability checks (run as `python -m attendance_desk.tools.NAME`)."""
