"""The protocols shipped with the application (TOML files; the repository's top-level
``protocols/`` is a link to this folder)."""
