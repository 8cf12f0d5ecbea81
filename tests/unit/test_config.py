"""Configuration: the embedded default, environment overrides, and production's refusals."""

from __future__ import annotations

import os
import stat

import pytest

from app import create_app
from config import DevelopmentConfig, ProductionConfig, TestConfig, environment_overrides


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    for name in ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "HEARDBACK_CONFIG", "FLASK_ENV"]:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _app_with_instance(config_class, instance_path, **settings):
    """create_app with instance/ redirected to a temporary folder."""

    class Settings(config_class):
        pass

    for key, value in settings.items():
        setattr(Settings, key, value)
    import flask

    original = flask.Flask.__init__

    def init(self, *args, **kwargs):
        kwargs["instance_path"] = str(instance_path)
        original(self, *args, **kwargs)

    flask.Flask.__init__ = init
    try:
        return create_app(Settings)
    finally:
        flask.Flask.__init__ = original


def test_embedded_default_uses_sqlite_and_a_kept_secret_in_instance(clean_environment):
    instance = clean_environment / "instance"
    app = _app_with_instance(DevelopmentConfig, instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'heardback.sqlite3'}"
    key_file = instance / "secret_key"
    assert key_file.read_text() == app.config["SECRET_KEY"]
    assert len(app.config["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    # The same key on the next start (sessions survive restarts).
    again = _app_with_instance(DevelopmentConfig, instance)
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert app.config["MAIL_BACKEND"] == "outbox"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_sqlite_pragmas(clean_environment):
    from sqlalchemy import text

    from extensions import db

    app = _app_with_instance(DevelopmentConfig, clean_environment / "instance")
    with app.app_context():
        connection = db.session.connection()
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        db.session.remove()


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without(missing, clean_environment, monkeypatch):
    values = {
        "SECRET_KEY": "p" * 40,
        "DATABASE_URL": "postgresql://db.internal/heardback",
        "REDIS_URL": "redis://cache.internal:6379/0",
    }
    for name, value in values.items():
        if name != missing:
            monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=missing):
        _app_with_instance(ProductionConfig, clean_environment / "instance")
    assert not (clean_environment / "instance" / "secret_key").exists()


def test_production_refuses_a_short_secret(clean_environment, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/heardback")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    with pytest.raises(RuntimeError, match="at least 32"):
        _app_with_instance(ProductionConfig, clean_environment / "instance")


def test_production_starts_with_its_settings(clean_environment, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://db.internal/heardback")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    app = _app_with_instance(ProductionConfig, clean_environment / "instance")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.internal/heardback"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["HSTS_ENABLED"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"
    assert app.config["MAIL_BACKEND"] == "smtp"


def test_environment_overrides_take_the_type_of_the_default():
    overrides = environment_overrides(
        DevelopmentConfig,
        {
            "MAIL_PORT": "587",
            "MAIL_USE_TLS": "true",
            "DATABASE_URL": "postgresql://x/y",
            "SITE_URL": "https://heardback.example",
            "SESSION_DAYS": "",
            "NAME": "ignored",
        },
    )
    assert overrides == {
        "MAIL_PORT": 587,
        "MAIL_USE_TLS": True,
        "SQLALCHEMY_DATABASE_URI": "postgresql://x/y",
        "SITE_URL": "https://heardback.example",
    }


def test_tests_read_only_their_own_variables():
    overrides = environment_overrides(
        TestConfig, {"DATABASE_URL": "postgresql://prod/db", "TEST_DATABASE_URL": "sqlite://"}
    )
    assert overrides == {"SQLALCHEMY_DATABASE_URI": "sqlite://"}


def test_unknown_configuration_name(monkeypatch):
    monkeypatch.setenv("HEARDBACK_CONFIG", "staging")
    with pytest.raises(RuntimeError, match="Unknown configuration"):
        create_app()
