"""Commands: infra_cmds (see cli.py)."""
