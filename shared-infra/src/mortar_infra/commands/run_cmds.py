"""Commands: run_cmds (see cli.py)."""
