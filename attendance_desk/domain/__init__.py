"""Pure attendance rules: no Qt, no SQL, no clock (callers pass `today`)."""
