"""The write side: repositories bound to a manager (own unit of work) or a session (joined)."""

from specify_db.repositories.base import Repository

__all__ = ["Repository"]
