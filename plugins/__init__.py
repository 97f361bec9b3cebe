"""Built-in plugins: each sub-package is one area of the journal (see docs/plugins.md)."""
