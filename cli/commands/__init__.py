"""One module per `cxtext` subcommand; each exposes `add_parser(subparsers)` and `run(args) -> int`."""
