"""Planned stage; see the open issues."""
