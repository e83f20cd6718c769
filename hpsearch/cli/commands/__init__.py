"""One module per command: each parses its arguments, calls one library function and renders the
answer. A module imports only typer and the CLI's own light modules at its top, and what its
command runs inside the command, so that `hpsearch --help` loads no command's libraries."""
