"""The seed stack's task backend (seed 001 example 6, seed 002 Pattern A), for benchmarks only.

FastAPI + PyJWT verifying HS256 tokens signed with BETTER_AUTH_SECRET, the same
/api/{user_id}/tasks routes and rules as Leptodo, SQLite in WAL mode. Written to be the
reference's fastest honest configuration: plain sqlite3 (one connection per worker thread, no
ORM), sync endpoints on FastAPI's thread pool, uvicorn with uvloop + httptools and one worker
process per core (bench/bench.py starts it so).

In the seed stack, sign-in is Better Auth's job (Node). To compare sign-in rates without a Node
install, POST /api/auth/sign-in/email here does what Better Auth's does: look the user up,
verify the password with Better Auth's own scheme (scrypt N=16384, r=16, p=1, 64-byte key, the
hex salt as the salt's bytes, stored "salt:key"), write a session row, and answer
{token, user} with an HS256 JWT, as Leptodo does. hashlib.scrypt releases the GIL, so the
thread pool hashes on every core.

Run:  BETTER_AUTH_SECRET=... REFERENCE_DB=/tmp/ref.db uvicorn app:app --workers 2
"""

import hashlib
import os
import secrets
import sqlite3
import time
import threading
from datetime import datetime, timezone
from typing import Optional

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from better_auth_password import hash_password, verify_password

SECRET = os.environ["BETTER_AUTH_SECRET"]
ALGORITHM = os.environ.get("JWT_ALGORITHM", "HS256")
DB_PATH = os.environ.get("REFERENCE_DB", "reference.db")

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    completed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_user_id ON tasks (user_id, id DESC);
CREATE INDEX IF NOT EXISTS tasks_user_completed ON tasks (user_id, completed, id DESC);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""
TOKEN_LIFETIME = 7 * 24 * 3600



_local = threading.local()


def db() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB_PATH, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # as Leptodo: an acknowledged write survives
        conn.execute("PRAGMA busy_timeout=5000")
        conn.row_factory = sqlite3.Row
        _local.conn = conn
    return conn


def init_db() -> None:
    with sqlite3.connect(DB_PATH) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)


init_db()
app = FastAPI(title="seed reference backend", docs_url=None, redoc_url=None)
security = HTTPBearer()


def current_user_id(credentials: HTTPAuthorizationCredentials = Depends(security)) -> str:
    try:
        payload = jwt.decode(
            credentials.credentials,
            SECRET,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid authentication credentials")
    return payload["sub"]


def owner(user_id: str, caller: str = Depends(current_user_id)) -> str:
    if user_id != caller:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Not authorized to access these tasks")
    return user_id


class TaskCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)


class TaskUpdate(BaseModel):
    title: Optional[str] = Field(default=None, min_length=1, max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)
    completed: Optional[bool] = None


class TaskResponse(BaseModel):
    id: int
    user_id: str
    title: str
    description: Optional[str]
    completed: bool
    created_at: str
    updated_at: str


def now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def row_to_task(row: sqlite3.Row) -> dict:
    task = dict(row)
    task["completed"] = bool(task["completed"])
    return task


COLUMNS = "id, user_id, title, description, completed, created_at, updated_at"


def clean_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise HTTPException(422, [{"loc": ["body", "title"], "msg": "empty", "type": "value_error"}])
    return title


class SignIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=128)


# Verified for unknown emails too, so both failures take the same time (as Leptodo does).
DUMMY_HASH = hash_password(secrets.token_hex(16))


@app.post("/api/auth/sign-in/email")
def sign_in(body: SignIn):
    user = db().execute(
        "SELECT id, email, name, password_hash, created_at, updated_at FROM users WHERE email = ?",
        (body.email.strip().lower(),),
    ).fetchone()
    ok = verify_password(user["password_hash"] if user else DUMMY_HASH, body.password)
    if user is None or not ok:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid email or password")
    issued = int(time.time())
    session_token = secrets.token_urlsafe(32)
    db().execute(
        "INSERT INTO sessions (token_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
        (hashlib.sha256(session_token.encode()).hexdigest(), user["id"],
         str(issued + TOKEN_LIFETIME), now()),
    )
    token = jwt.encode(
        {"sub": user["id"], "email": user["email"], "iat": issued, "exp": issued + TOKEN_LIFETIME},
        SECRET,
        algorithm=ALGORITHM,
    )
    return {
        "token": token,
        "user": {
            "id": user["id"], "email": user["email"], "name": user["name"],
            "createdAt": user["created_at"], "updatedAt": user["updated_at"],
        },
    }


@app.get("/api/{user_id}/tasks", response_model=list[TaskResponse])
def list_tasks(
    user_id: str = Depends(owner),
    completed: Optional[bool] = Query(None),
    limit: int = Query(50, ge=1, le=100),
    offset: int = Query(0, ge=0),
):
    if completed is None:
        rows = db().execute(
            f"SELECT {COLUMNS} FROM tasks WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
    else:
        rows = db().execute(
            f"SELECT {COLUMNS} FROM tasks WHERE user_id = ? AND completed = ? "
            "ORDER BY id DESC LIMIT ? OFFSET ?",
            (user_id, int(completed), limit, offset),
        )
    return [row_to_task(r) for r in rows]


@app.post("/api/{user_id}/tasks", response_model=TaskResponse, status_code=201)
def create_task(body: TaskCreate, user_id: str = Depends(owner)):
    stamp = now()
    description = (body.description or "").strip() or None
    row = db().execute(
        "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) "
        f"VALUES (?, ?, ?, 0, ?, ?) RETURNING {COLUMNS}",
        (user_id, clean_title(body.title), description, stamp, stamp),
    ).fetchone()
    return row_to_task(row)


def one(user_id: str, task_id: int) -> sqlite3.Row:
    row = db().execute(
        f"SELECT {COLUMNS} FROM tasks WHERE id = ? AND user_id = ?", (task_id, user_id)
    ).fetchone()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
    return row


@app.get("/api/{user_id}/tasks/{task_id}", response_model=TaskResponse)
def get_task(task_id: int, user_id: str = Depends(owner)):
    return row_to_task(one(user_id, task_id))


@app.put("/api/{user_id}/tasks/{task_id}", response_model=TaskResponse)
def update_task(task_id: int, body: TaskUpdate, user_id: str = Depends(owner)):
    current = one(user_id, task_id)
    fields = body.model_fields_set
    title = clean_title(body.title) if "title" in fields and body.title is not None else current["title"]
    description = current["description"]
    if "description" in fields:
        description = (body.description or "").strip() or None
    completed = current["completed"]
    if "completed" in fields and body.completed is not None:
        completed = int(body.completed)
    row = db().execute(
        "UPDATE tasks SET title = ?, description = ?, completed = ?, updated_at = ? "
        f"WHERE id = ? AND user_id = ? RETURNING {COLUMNS}",
        (title, description, completed, now(), task_id, user_id),
    ).fetchone()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
    return row_to_task(row)


@app.patch("/api/{user_id}/tasks/{task_id}/complete", response_model=TaskResponse)
def toggle_task(task_id: int, user_id: str = Depends(owner)):
    row = db().execute(
        "UPDATE tasks SET completed = 1 - completed, updated_at = ? "
        f"WHERE id = ? AND user_id = ? RETURNING {COLUMNS}",
        (now(), task_id, user_id),
    ).fetchone()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
    return row_to_task(row)


@app.delete("/api/{user_id}/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, user_id: str = Depends(owner)):
    cursor = db().execute("DELETE FROM tasks WHERE id = ? AND user_id = ?", (task_id, user_id))
    if cursor.rowcount == 0:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
    return Response(status_code=204)


@app.get("/healthz")
def healthz():
    db().execute("SELECT 1")
    return {"status": "ok"}
