"""Klass core: people, roles, permissions, the school's structure and the hooks plugins build on."""
from core.app import create_app

__all__ = ["create_app"]
