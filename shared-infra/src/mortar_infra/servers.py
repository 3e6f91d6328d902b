"""`python -m mortar_infra.servers`: the PostgreSQL and Redis the kit uses, as shell exports.

Brings them up the way `mortar infra up` chooses them (the admin URL variables, else a
private server this `$MORTAR_HOME` runs, else the machine's on loopback, else private
servers started now) without touching nginx, then prints

    export MORTAR_POSTGRES_ADMIN_URL=...
    export MORTAR_REDIS_ADMIN_URL=...

for `eval` (scripts/run-tests uses it so every test tier talks to the same servers on a
machine that has none of its own). Progress lines go to stderr; a failure is one
`error: ...` line and exit 1.
"""

from __future__ import annotations

import shlex
import sys

from mortar_infra.config import MortarError


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--private"]):
        print("usage: python -m mortar_infra.servers [--private]", file=sys.stderr)
        return 2
    from mortar_infra import native, progress

    progress.setup(err=True)  # stdout carries only the exports

    try:
        state = native.servers_up(private=bool(args))
    except MortarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"export MORTAR_POSTGRES_ADMIN_URL={shlex.quote(state['postgres']['url'])}")
    print(f"export MORTAR_REDIS_ADMIN_URL={shlex.quote(state['redis']['url'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
