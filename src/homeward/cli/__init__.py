"""Typer commands: thin adapters over the services."""
