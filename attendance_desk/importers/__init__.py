"""Files in: parse and validate the whole file into domain values plus a list of problems,
before anything is written. Importers never touch the database."""
