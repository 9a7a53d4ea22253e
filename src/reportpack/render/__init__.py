"""Render: figures and owner text → the text form (Jinja) → Word (.docx) in the GB/T 9704-2012 layout."""
