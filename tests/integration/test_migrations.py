"""Migrations and models agree, on PostgreSQL (production) and SQLite (one machine)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from domain.config import Settings
from domain.db import alembic_config, engine_for, upgrade
from domain.models import Base
from tests import services


def _drift(url: str) -> list:
    with engine_for(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, Base.metadata)


def test_fresh_postgres_upgraded_to_head_matches_the_models(pg_server, tmp_path):
    name = f"talkfarm_migrate_{uuid.uuid4().hex[:8]}"
    url = services.create_database(pg_server, name)
    try:
        upgrade(Settings.from_env({}, data_dir=tmp_path, database_url=url))
        assert _drift(url) == []
        with engine_for(url).connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() is not None
    finally:
        engine_for(url).dispose()
        services.drop_database(pg_server, name)


def test_sqlite_upgraded_to_head_matches_the_models(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path)
    upgrade(settings)
    assert _drift(settings.database_url) == []


def test_upgrade_twice_is_harmless(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path)
    upgrade(settings)
    upgrade(settings)


def _assets_before_purposes_get_theirs(url: str, settings: Settings) -> None:
    """Rows written at revision 0005 (no purpose): images become portraits, audio narration, as they were used."""
    upgrade(settings, "0005")
    with engine_for(url).begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO tenants (id, name, weight, watermark, may_disable_watermark, created_at) "
                "VALUES ('ten_old', 'old', 1, '{}', :no, CURRENT_TIMESTAMP)"
            ),
            {"no": False},
        )
        for asset_id, kind in (("ast_old_image", "image"), ("ast_old_audio", "audio")):
            conn.execute(
                sa.text(
                    "INSERT INTO assets (id, tenant_id, kind, content_type, bytes, sha256, storage_key, info, created_at) "
                    "VALUES (:id, 'ten_old', :kind, 'x', 1, 'x', 'k', '{}', CURRENT_TIMESTAMP)"
                ),
                {"id": asset_id, "kind": kind},
            )
    upgrade(settings)
    with engine_for(url).connect() as conn:
        purposes = dict(conn.execute(sa.text("SELECT id, purpose FROM assets ORDER BY id")).all())
    assert purposes == {"ast_old_audio": "narration", "ast_old_image": "portrait"}


def test_assets_from_before_purposes_keep_their_use_on_sqlite(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path)
    _assets_before_purposes_get_theirs(settings.database_url, settings)


def test_assets_from_before_purposes_keep_their_use_on_postgres(pg_server, tmp_path):
    name = f"talkfarm_migrate_{uuid.uuid4().hex[:8]}"
    url = services.create_database(pg_server, name)
    try:
        _assets_before_purposes_get_theirs(url, Settings.from_env({}, data_dir=tmp_path, database_url=url))
    finally:
        engine_for(url).dispose()
        services.drop_database(pg_server, name)


def _downgrade(settings: Settings, revision: str) -> None:
    cfg = alembic_config(settings.database_url)
    with engine_for(settings.database_url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def _page_session_indexes(url: str) -> dict[str, list[str]]:
    with engine_for(url).connect() as conn:
        return {ix["name"]: ix["column_names"] for ix in sa.inspect(conn).get_indexes("page_sessions")}


def _page_session_expiry_is_indexed_at_head_only(settings: Settings) -> None:
    """0011 indexes page_sessions.expires_at (the pruner deletes the expired by it); its downgrade drops just that."""
    url = settings.database_url
    upgrade(settings)
    assert _page_session_indexes(url)["ix_page_sessions_expires_at"] == ["expires_at"]
    _downgrade(settings, "0010")
    assert _page_session_indexes(url) == {"ix_page_sessions_key_id": ["key_id"]}
    upgrade(settings)
    assert _page_session_indexes(url)["ix_page_sessions_expires_at"] == ["expires_at"]


def test_page_session_expiry_is_indexed_on_sqlite(tmp_path):
    _page_session_expiry_is_indexed_at_head_only(Settings.from_env({}, data_dir=tmp_path))


def test_page_session_expiry_is_indexed_on_postgres(pg_server, tmp_path):
    name = f"talkfarm_migrate_{uuid.uuid4().hex[:8]}"
    url = services.create_database(pg_server, name)
    try:
        _page_session_expiry_is_indexed_at_head_only(Settings.from_env({}, data_dir=tmp_path, database_url=url))
    finally:
        engine_for(url).dispose()
        services.drop_database(pg_server, name)


def _tenant_a(conn: sa.Connection, now: str) -> None:
    """The tenant ``ten_a`` the rows written below a migration belong to."""
    conn.execute(
        sa.text(
            "INSERT INTO tenants (id, name, weight, watermark, may_disable_watermark, created_at) "
            "VALUES ('ten_a', 'a', 1, '{}', false, :now)"
        ),
        {"now": now},
    )


def _kits_named_alike_before_0012_keep_their_names(settings: Settings) -> None:
    """Kits named "Evening News" and "evening news" before 0012 both survive it, names unchanged; after it a third
    "EVENING NEWS " is refused by the database; the downgrade brings the exact-name constraint back."""
    url = settings.database_url
    upgrade(settings)
    _downgrade(settings, "0011")
    now = "2026-01-01 00:00:00+00:00"
    kit = (
        "INSERT INTO brand_kits (id, tenant_id, name, is_default, settings, version, created_at, updated_at) "
        "VALUES (:id, 'ten_a', :name, false, '{}', 1, :now, :now)"
    )
    with engine_for(url).begin() as conn:
        _tenant_a(conn, now)
        for kit_id, name in (("bkt_1", "Evening News"), ("bkt_2", "evening news")):
            conn.execute(sa.text(kit), {"id": kit_id, "name": name, "now": now})
    upgrade(settings)
    with engine_for(url).connect() as conn:
        names = conn.execute(sa.text("SELECT name, name_key FROM brand_kits ORDER BY id")).all()
        assert [tuple(n) for n in names] == [("Evening News", "evening news"), ("evening news", "evening news (bkt_2)")]
    third = kit.replace("name, is_default", "name, name_key, is_default").replace(":name, false", ":name, :key, false")
    try:
        with engine_for(url).begin() as conn:
            conn.execute(sa.text(third), {"id": "bkt_3", "name": "EVENING NEWS ", "key": "evening news", "now": now})
    except sa.exc.IntegrityError:
        pass
    else:
        raise AssertionError("a third kit named alike was stored")
    _downgrade(settings, "0011")
    upgrade(settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path):
    """Settings for a new, empty database of each kind (PostgreSQL's made on the suite's server and dropped after)."""
    if request.param == "sqlite":
        yield Settings.from_env({}, data_dir=tmp_path)
        return
    pg_server = request.getfixturevalue("pg_server")
    name = f"talkfarm_migrate_{uuid.uuid4().hex[:8]}"
    url = services.create_database(pg_server, name)
    try:
        yield Settings.from_env({}, data_dir=tmp_path, database_url=url)
    finally:
        engine_for(url).dispose()
        services.drop_database(pg_server, name)


def test_kit_names_alike_before_0012_survive_it(fresh_database):
    _kits_named_alike_before_0012_keep_their_names(fresh_database)


def _assets_stored_twice_before_0013_keep_their_ids(settings: Settings) -> None:
    """0013 keys each tenant's assets by purpose and bytes: of copies stored before it, the first takes the key and
    the later ones (each perhaps named by jobs) stay, keyless; a second row with a key taken is then refused by the
    database (what keeps two uploads at once to one asset); the downgrade drops the key, and upgrading again works."""
    url = settings.database_url
    upgrade(settings)
    _downgrade(settings, "0012")
    now = "2026-01-01 00:00:00+00:00"
    asset = (
        "INSERT INTO assets (id, tenant_id, kind, purpose, content_type, bytes, sha256, storage_key, info, created_at) "
        "VALUES (:id, 'ten_a', 'image', :purpose, 'image/png', 1, :sha, 'k', '{}', :now)"
    )
    with engine_for(url).begin() as conn:
        _tenant_a(conn, now)
        for asset_id, purpose, sha in (
            ("ast_1", "portrait", "aa"),
            ("ast_2", "portrait", "aa"),
            ("ast_3", "logo", "aa"),
            ("ast_4", "portrait", "bb"),
        ):
            conn.execute(sa.text(asset), {"id": asset_id, "purpose": purpose, "sha": sha, "now": now})
    upgrade(settings)
    with engine_for(url).connect() as conn:
        keys = conn.execute(sa.text("SELECT id, content_key FROM assets ORDER BY id")).all()
    assert [tuple(k) for k in keys] == [
        ("ast_1", "portrait:aa"),
        ("ast_2", None),
        ("ast_3", "logo:aa"),
        ("ast_4", "portrait:bb"),
    ]
    keyed = asset.replace("info, created_at", "info, content_key, created_at").replace("'{}', :now", "'{}', :key, :now")
    try:
        with engine_for(url).begin() as conn:
            conn.execute(
                sa.text(keyed), {"id": "ast_5", "purpose": "portrait", "sha": "aa", "key": "portrait:aa", "now": now}
            )
    except sa.exc.IntegrityError:
        pass
    else:
        raise AssertionError("a second asset with a taken content key was stored")
    _downgrade(settings, "0012")
    with engine_for(url).connect() as conn:
        assert "content_key" not in {c["name"] for c in sa.inspect(conn).get_columns("assets")}
    upgrade(settings)


def test_assets_stored_twice_before_0013_keep_their_ids(fresh_database):
    _assets_stored_twice_before_0013_keep_their_ids(fresh_database)


def _tenant_columns(url: str) -> set[str]:
    with engine_for(url).connect() as conn:
        return {c["name"] for c in sa.inspect(conn).get_columns("tenants")}


def _job_secret_rotation_columns_come_and_go_with_0014(settings: Settings) -> None:
    """0014 gives tenants the per-job webhook secret a rotation replaced and when it stops signing; a tenant from
    before keeps its secret, with no previous one. The downgrade drops both columns in place, with rows that name
    the tenant (a key) kept: SQLite's copy of the table could not be put in its place under their foreign keys."""
    url = settings.database_url
    upgrade(settings)
    _downgrade(settings, "0013")
    assert {"previous_webhook_secret", "previous_webhook_secret_expires_at"}.isdisjoint(_tenant_columns(url))
    now = "2026-01-01 00:00:00+00:00"
    with engine_for(url).begin() as conn:
        _tenant_a(conn, now)
        conn.execute(sa.text("UPDATE tenants SET webhook_secret = 'whsec_old' WHERE id = 'ten_a'"))
        conn.execute(
            sa.text(
                "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, scope, created_at) "
                "VALUES ('key_a', 'ten_a', 'hash', 'tfk_a', 'tenant', :now)"
            ),
            {"now": now},
        )
    upgrade(settings)
    with engine_for(url).begin() as conn:
        row = conn.execute(
            sa.text("SELECT webhook_secret, previous_webhook_secret, previous_webhook_secret_expires_at FROM tenants")
        ).one()
        assert tuple(row) == ("whsec_old", None, None)
        conn.execute(
            sa.text(
                "UPDATE tenants SET webhook_secret = 'whsec_new', previous_webhook_secret = 'whsec_old', "
                "previous_webhook_secret_expires_at = :until WHERE id = 'ten_a'"
            ),
            {"until": "2026-01-02 00:00:00+00:00"},
        )
    _downgrade(settings, "0013")
    assert {"previous_webhook_secret", "previous_webhook_secret_expires_at"}.isdisjoint(_tenant_columns(url))
    with engine_for(url).connect() as conn:
        assert conn.execute(sa.text("SELECT id, webhook_secret FROM tenants")).all() == [("ten_a", "whsec_new")]
        assert conn.execute(sa.text("SELECT id, tenant_id FROM api_keys")).all() == [("key_a", "ten_a")]
    upgrade(settings)
    assert {"previous_webhook_secret", "previous_webhook_secret_expires_at"} <= _tenant_columns(url)


def test_job_secret_rotation_columns_come_and_go_with_0014(fresh_database):
    _job_secret_rotation_columns_come_and_go_with_0014(fresh_database)
