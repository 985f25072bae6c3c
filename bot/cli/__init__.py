"""The `pepites` command line: one module per command group."""
