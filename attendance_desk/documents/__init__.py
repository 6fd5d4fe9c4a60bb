"""PDFs with reportlab. Documents are built from values the services gather; they never query."""
