"""Attendance Desk: offline attendance casework for English schools."""

__version__ = "0.1.0"
