"""Alembic migrations, run from code so `python -m dashboard init-db` needs no alembic.ini."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    # Alembic narrates every step at INFO; the CLI's stderr is for progress and errors.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.upgrade(alembic_config(engine), revision)

