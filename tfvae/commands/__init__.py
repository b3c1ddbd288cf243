"""The `tfvae` command: the dispatcher (`main`) and one module per subcommand.

A subcommand module imports only the standard library, `tfvae.commands.arguments` and
TF-free tfvae modules at module level; the library (TensorFlow, pandas, the detectors,
`tfvae.training`, `tfvae.export`) is imported inside `run`, so `tfvae COMMAND --help`
answers at once. This package imports nothing.
"""
