"""Command modules of the `mortar` CLI; each registers onto the groups in cli.py."""
