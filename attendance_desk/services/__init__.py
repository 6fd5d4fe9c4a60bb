"""Use cases that the GUI and the command line both call. No widgets, no argv."""
