-- Asymmetric signing keys (JWT_ALGORITHM = EdDSA, ES256 or RS256). Keep in step with
-- migrations/postgres. The newest unretired key of the configured algorithm signs; every key
-- is published at /api/auth/jwks until the tokens it signed have expired.
CREATE TABLE signing_keys (
    kid            TEXT    PRIMARY KEY NOT NULL,            -- RFC 7638 SHA-256 thumbprint of the public key
    algorithm      TEXT    NOT NULL,                        -- EdDSA, ES256 or RS256
    public_jwk     TEXT    NOT NULL,                        -- the JWK published at /api/auth/jwks
    private_key    TEXT,                                    -- PKCS#8 PEM; NULL for a key given in JWT_PRIVATE_KEY
    created_at     TEXT    NOT NULL,
    retired_at     TEXT                                     -- when a newer key took over signing
);
