"""Publish: the manifest, atomic publication of a pack, and the targets written back to the warehouse."""
