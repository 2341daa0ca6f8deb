"""homthu: triage of citizens letters to local government."""

__version__ = "0.1.0"
