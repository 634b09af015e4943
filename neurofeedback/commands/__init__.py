"""One module per ``neurofeedback`` subcommand (see :mod:`neurofeedback.cli`)."""
