"""One module per subcommand, each with `run(args: argparse.Namespace) -> int`.

`checker._cli` imports the chosen one lazily. A command module wires the stages together
(collect -> evaluate -> format -> write); the stages themselves know nothing of argparse.
"""
