"""Outputs of a live session to other software (Open Sound Control)."""
