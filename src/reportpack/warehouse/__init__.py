"""The bank's SQL warehouse: schema, deterministic sample generator, loader."""
