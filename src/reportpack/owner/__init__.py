"""Owner files: pack definitions and owner-written input, read and checked before any data is extracted."""
