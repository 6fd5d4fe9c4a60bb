"""Files out: built from domain values the services gather; exporters never query the database."""
