"""fgc-collect: England's national data collection on family group conferences (FGCs)."""

__version__ = "0.1.0"
