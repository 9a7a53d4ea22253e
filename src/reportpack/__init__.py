"""ReportPack: branch data → validated figures → Chinese management-report packs (Word)."""

__version__ = "0.1.0"
