"""API keys of intake sources (the Open311 POST): one key per source, shown once, stored as a SHA-256 hash.

Named secrets like kiosk tokens (``NamedSecrets`` in data_access/accounts.py): a key has 256 bits of entropy, so a
fast hash is enough and every POST checks it cheaply. A source's name becomes ``report.source`` of everything it
sends.
"""

from __future__ import annotations

import re

from data_access.accounts import AccountError, NamedSecrets
from data_access.intake.bulk_load import DEMO_SOURCES
from data_access.store.schema import ApiKey

SOURCE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,31}$")  # report.source is 32 characters
KEY_PREFIX = "m311_"  # recognisable in a leaked config file or a log, so it can be found and revoked
MAX_KEY = 128
# Sources the dashboard itself writes with: an API key under one of these names would mix outside reports in.
# The demo's two also tell a demo store from a real one (bulk_load.not_a_demo_store).
RESERVED_SOURCES = frozenset({"dashboard"}) | DEMO_SOURCES


def check_source(source: str) -> str:
    if not source or not SOURCE_PATTERN.match(source):
        raise AccountError(f"source {source!r} must be 2–32 lower-case letters, digits or . _ - "
                           "(starting with a letter or digit)")
    if source in RESERVED_SOURCES:
        raise AccountError(f"source {source!r} is the dashboard's own: choose another name")
    return source


# A revoked source gets a new key with API_KEYS.add (rotation: revoke, then add); an active one must be revoked first,
# so a key is never replaced by mistake while a system still sends with it.
API_KEYS = NamedSecrets(ApiKey, ApiKey.source, ApiKey.key_hash, check_source,
                        taken="source {name!r} already has an active key (revoke it first)",
                        not_active="no active API key for source {name!r}", prefix=KEY_PREFIX, reissue_revoked=True,
                        max_length=MAX_KEY)
