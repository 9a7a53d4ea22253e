"""Owner files: pack definitions, commentary and target rules, indicators and owner input — typed models, checked before any data is extracted."""
