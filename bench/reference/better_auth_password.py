"""Better Auth's password scheme (better-auth/src/crypto/password.ts), for the reference backend
and the benchmark's seeding: scrypt N=16384, r=16, p=1, a 64-byte key, a 16-byte random salt
whose hex text is the salt, stored as "salt:key" in hex."""

import hashlib
import hmac
import secrets

SCRYPT = dict(n=16384, r=16, p=1, dklen=64, maxmem=64 * 1024 * 1024)


def hash_password(password: str) -> str:
    salt = secrets.token_hex(16)
    key = hashlib.scrypt(password.encode(), salt=salt.encode(), **SCRYPT)
    return f"{salt}:{key.hex()}"


def verify_password(stored: str, password: str) -> bool:
    salt, _, expected = stored.partition(":")
    key = hashlib.scrypt(password.encode(), salt=salt.encode(), **SCRYPT)
    return hmac.compare_digest(key.hex(), expected)
