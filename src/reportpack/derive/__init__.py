"""Derive: the figures a bank report quotes (口径 in each module), pure functions over validated frames."""
