import pytest

from specify_db.core.errors import ConfigurationError
from specify_db.core.urls import install_hint, is_memory_sqlite, normalize_url, safe_url


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///x.db", "sqlite+aiosqlite"),
        ("sqlite://", "sqlite+aiosqlite"),
        ("postgresql://u@h/d", "postgresql+asyncpg"),
        ("postgres://u@h/d", "postgresql+asyncpg"),
        ("mysql://u@h/d", "mysql+asyncmy"),
        ("mariadb://u@h/d", "mariadb+asyncmy"),
        ("mysql+aiomysql://u@h/d", "mysql+aiomysql"),
    ],
)
def test_urls_get_an_async_driver(given, driver):
    assert normalize_url(given).drivername == driver


@pytest.mark.parametrize("url", ["postgresql+psycopg2://u@h/d", "mysql+pymysql://u@h/d"])
def test_sync_drivers_are_refused(url):
    with pytest.raises(ConfigurationError, match="not an async driver"):
        normalize_url(url)


def test_unknown_database_and_garbage_are_refused():
    with pytest.raises(ConfigurationError, match="unsupported database"):
        normalize_url("oracle://u@h/d")
    with pytest.raises(ConfigurationError, match="not a database URL"):
        normalize_url("not a url")


def test_safe_url_hides_the_password():
    rendered = safe_url("postgresql://app:s3cret@db:5432/specify")
    assert "s3cret" not in rendered
    assert rendered == "postgresql+asyncpg://app:***@db:5432/specify"


@pytest.mark.parametrize(
    ("url", "memory"),
    [
        ("sqlite+aiosqlite://", True),
        ("sqlite+aiosqlite:///:memory:", True),
        ("sqlite+aiosqlite:///file:db?mode=memory&uri=true", True),
        ("sqlite+aiosqlite:///./specify.db", False),
        ("postgresql+asyncpg://u@h/d", False),
    ],
)
def test_memory_sqlite_detection(url, memory):
    assert is_memory_sqlite(normalize_url(url)) is memory


def test_install_hint_names_the_extra():
    assert install_hint(normalize_url("postgresql://u@h/d")) == 'pip install "specify-db[postgres]"'
    assert install_hint(normalize_url("mysql://u@h/d")) == 'pip install "specify-db[mysql]"'
