"""PyJWT, the FastAPI backend's JWT library, as an independent peer for Leptodo's tests.

    pyjwt_tool.py verify TOKEN SECRET ALG [ISSUER AUDIENCE]  -> the claims as JSON, or exit 1
    pyjwt_tool.py mint SECRET ALG CLAIMS_JSON               -> a token signed by PyJWT
    pyjwt_tool.py verify-jwks TOKEN JWKS_JSON [ISSUER AUDIENCE]
                                                            -> the claims, verified with the key
                                                               of the set that the token's kid names

`verify-jwks` is Pattern B: PyJWT's own JWK parsing (PyJWKSet), the algorithm taken from the
key, never from the token.

`verify` does what the seed backend (seed 002, Pattern A) does: jwt.decode with the shared
secret, the algorithm pinned, and `exp`/`sub` (plus `iss`/`aud` when given) required.
"""
import json
import sys

import jwt


def main(argv):
    if argv[1] == "verify":
        token, secret, alg = argv[2], argv[3], argv[4]
        options = {"require": ["exp", "sub", "iat"]}
        kwargs = {}
        if len(argv) > 6:
            kwargs = {"issuer": argv[5], "audience": argv[6]}
            options["require"] += ["iss", "aud"]
        try:
            claims = jwt.decode(token, secret, algorithms=[alg], options=options, **kwargs)
        except jwt.PyJWTError as err:
            print(f"{type(err).__name__}: {err}", file=sys.stderr)
            return 1
        print(json.dumps(claims))
        return 0
    if argv[1] == "verify-jwks":
        token, jwks = argv[2], jwt.PyJWKSet.from_json(argv[3])
        kid = jwt.get_unverified_header(token).get("kid")
        try:
            key = jwks[kid]
            kwargs = {"issuer": argv[4], "audience": argv[5]} if len(argv) > 5 else {}
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name],
                options={"require": ["exp", "sub", "iat"]},
                **kwargs,
            )
        except (KeyError, jwt.PyJWTError) as err:
            print(f"{type(err).__name__}: {err}", file=sys.stderr)
            return 1
        print(json.dumps(claims))
        return 0
    if argv[1] == "mint":
        secret, alg, claims = argv[2], argv[3], json.loads(argv[4])
        print(jwt.encode(claims, secret, algorithm=alg))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
