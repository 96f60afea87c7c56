"""Passwords are hashed at argon2-cffi's recommended cost unless a deployment says otherwise, within bounds."""

import pytest
from argon2 import PasswordHasher

from core.settings import SettingsError, argon2_cost


def test_the_default_is_the_librarys_recommendation(monkeypatch):
    monkeypatch.delenv("ARGON2_TIME_COST", raising=False)
    monkeypatch.delenv("ARGON2_MEMORY_KIB", raising=False)
    recommended = PasswordHasher()
    assert argon2_cost() == (recommended.time_cost, recommended.memory_cost) == (3, 65_536)


@pytest.mark.parametrize("name,value", [("ARGON2_TIME_COST", "0"), ("ARGON2_MEMORY_KIB", "8"),
                                        ("ARGON2_MEMORY_KIB", "lots")])
def test_a_cost_too_low_or_not_a_number_is_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        argon2_cost()


def test_a_hash_verifies_under_another_cost():
    """A hash carries its own parameters: lowering or raising the cost never locks anyone out."""
    cheap, full = PasswordHasher(time_cost=1, memory_cost=1024), PasswordHasher()
    assert full.verify(cheap.hash("sandi-rahasia-1"), "sandi-rahasia-1")
    assert cheap.verify(full.hash("sandi-rahasia-2"), "sandi-rahasia-2")
