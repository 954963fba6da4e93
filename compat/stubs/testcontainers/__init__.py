"""Stand-in for testcontainers: see compat/stubs/README.md."""
