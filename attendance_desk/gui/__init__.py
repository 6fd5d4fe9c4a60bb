"""The desktop window (PySide6). Views call services; they never run SQL or business rules."""
