"""Document model → Word (.docx) in the GB/T 9704-2012 layout."""
