"""Commands: site_cmds (see cli.py)."""
