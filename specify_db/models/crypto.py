"""Secret handling for the models: Fernet encryption, argon2 password hashes, token digests.

Encryption keys come from settings (``SPECIFY_DB_FERNET_KEYS``, comma separated, newest
first), never from the database. The newest key encrypts; every configured key decrypts, so a
key can be rotated in by prepending it, re-encrypting rows with :func:`rotate_value`, and then
dropping the old key.

Passwords are hashed with argon2id. API keys and session tokens are random 256-bit secrets shown
once; only their SHA-256 hex digest is stored (a slow KDF adds latency and nothing else for a
secret of that strength), and they are compared in constant time.

``cryptography`` and ``argon2-cffi`` are optional (``pip install 'specify-db[security]'``);
they are imported on first use and a missing one raises :class:`MissingDependency`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from specify_db.core.errors import ConfigurationError, MissingDependency
from specify_db.core.settings import get_settings

if TYPE_CHECKING:
    from argon2 import PasswordHasher
    from cryptography.fernet import MultiFernet

__all__ = [
    "IssuedSecret",
    "decrypt_value",
    "encrypt_value",
    "hash_password",
    "hash_token",
    "issue_secret",
    "password_needs_rehash",
    "rotate_value",
    "token_matches",
    "verify_password",
]

_INSTALL_HINT = "pip install 'specify-db[security]'"


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    # Keyed on the key tuple, so a settings change (cache_clear + new env) builds a new one.
    try:
        from cryptography.fernet import Fernet, MultiFernet
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise MissingDependency(f"encryption needs 'cryptography': {_INSTALL_HINT}") from exc
    if not keys:
        raise ConfigurationError(
            "no encryption key configured: set SPECIFY_DB_FERNET_KEYS to one or more "
            "Fernet keys (newest first), e.g. from cryptography.fernet.Fernet.generate_key()"
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ConfigurationError(
            "SPECIFY_DB_FERNET_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)"
        ) from exc


def _current_fernet() -> MultiFernet:
    keys = tuple(key.get_secret_value() for key in get_settings().fernet_keys)
    return _multi_fernet(keys)


def encrypt_value(plaintext: str) -> str:
    """Encrypt ``plaintext`` under the newest configured key.

    Returns:
        The Fernet token as ASCII text (safe for any text column).

    Raises:
        ConfigurationError: no key or a malformed key is configured.
        MissingDependency: ``cryptography`` is not installed.
    """
    return _current_fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_value(token: str) -> str:
    """Decrypt a value written by :func:`encrypt_value` with any configured key.

    Raises:
        ConfigurationError: no configured key decrypts it (the key that wrote it was removed
            from ``SPECIFY_DB_FERNET_KEYS``, or the stored value was altered).
    """
    from cryptography.fernet import InvalidToken

    try:
        return _current_fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise ConfigurationError(
            "cannot decrypt a stored secret: no key in SPECIFY_DB_FERNET_KEYS matches it "
            "(was the key that wrote it removed?) or the value was altered"
        ) from exc


def rotate_value(token: str) -> str:
    """Re-encrypt a stored value under the newest key (decrypting with any configured key).

    Raises:
        ConfigurationError: as for :func:`decrypt_value`.
    """
    from cryptography.fernet import InvalidToken

    try:
        return _current_fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise ConfigurationError(
            "cannot rotate a stored secret: no key in SPECIFY_DB_FERNET_KEYS decrypts it"
        ) from exc


@lru_cache(maxsize=1)
def _password_hasher() -> PasswordHasher:
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise MissingDependency(f"password hashing needs 'argon2-cffi': {_INSTALL_HINT}") from exc
    # argon2-cffi's defaults are the RFC 9106 low-memory profile, argon2id.
    return PasswordHasher()


def hash_password(password: str) -> str:
    """Hash a password with argon2id; the result is what ``users.password_hash`` stores.

    CPU-heavy by design: call it from a worker thread (``anyio.to_thread.run_sync``) in async code.
    """
    return _password_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches the stored argon2 hash; False on mismatch or a bad hash."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """True if the hash was made with weaker parameters than the current ones."""
    return _password_hasher().check_needs_rehash(password_hash)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of an API key or session token: the only form that is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, token_hash: str) -> bool:
    """Compare a presented token with a stored digest in constant time."""
    return hmac.compare_digest(hash_token(token), token_hash)


class IssuedSecret(NamedTuple):
    """A freshly generated API key or session token.

    Attributes:
        secret: the value to show the user once; never stored.
        prefix: the first characters, stored in clear so a user can tell keys apart.
        digest: SHA-256 hex of ``secret``, the stored form.
    """

    secret: str
    prefix: str
    digest: str


def issue_secret(prefix_length: int = 8) -> IssuedSecret:
    """Generate a 256-bit url-safe secret with its display prefix and stored digest."""
    secret = secrets.token_urlsafe(32)
    return IssuedSecret(secret=secret, prefix=secret[:prefix_length], digest=hash_token(secret))
