"""The test suite. Passwords here guard nothing: Argon2id runs at its lowest sensible cost (core/settings.argon2_cost),
in this process and in every server or command it starts, since hundreds of logins at the production cost (64 MiB,
3 passes) spent minutes of the suite's CPU. tests/unit/test_argon2_cost.py checks the production default."""

import os

os.environ.setdefault("ARGON2_TIME_COST", "1")
os.environ.setdefault("ARGON2_MEMORY_KIB", "1024")
