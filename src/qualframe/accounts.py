"""Who may use the web workbench: team accounts, their roles, and signed-in sessions.

Single-user mode has no accounts: whoever holds the opening link's token is the
researcher, with every right. Team mode (a PostgreSQL project served with ``--team``)
signs people in by name and password; passwords are kept only as argon2 hashes, and a
session cookie's secret only as a SHA-256 hash, so a copy of the database opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select

from .errors import InvalidInput, NotAllowed, NotFound
from .project import Project, get_or_create_user
from .store import ROLES, Account, LoginSession, User, utcnow

MIN_PASSWORD_LENGTH = 10
SESSION_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_hex(16))  # verified against to keep timing even


@dataclass(frozen=True)
class SignedIn:
    """The person behind a request: their name, role and the session's CSRF token."""

    user: str
    role: str
    csrf: str

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"role '{role}' is not one of: {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _account(session: Any, name: str) -> Account:
    account = session.scalar(select(Account).join(User).where(User.name == name.strip()))
    if account is None:
        raise NotFound(f"no account '{name}' (list them with 'qualframe users')")
    return account


def add_account(project: Project, name: str, password: str, role: str) -> None:
    check_role(role)
    _check_password(password)
    with project.session() as s:
        user = get_or_create_user(s, name)
        if s.scalar(select(Account).where(Account.user_id == user.id)) is not None:
            raise InvalidInput(f"an account '{user.name}' already exists")
        s.add(Account(user_id=user.id, password_hash=_hasher.hash(password), role=role))


def list_accounts(project: Project) -> list[dict[str, Any]]:
    with project.session() as s:
        rows = s.execute(select(Account, User.name).join(User).order_by(User.name)).all()
        return [
            {"name": name, "role": a.role, "active": a.active, "created": a.created_at.isoformat()}
            for a, name in rows
        ]


def set_role(project: Project, name: str, role: str) -> None:
    check_role(role)
    with project.session() as s:
        _account(s, name).role = role


def set_password(project: Project, name: str, password: str) -> None:
    _check_password(password)
    with project.session() as s:
        account = _account(s, name)
        account.password_hash = _hasher.hash(password)
        s.execute(delete(LoginSession).where(LoginSession.user_id == account.user_id))


def deactivate(project: Project, name: str) -> None:
    """Stop an account signing in, and end its sessions; its codings keep its name."""
    with project.session() as s:
        account = _account(s, name)
        account.active = False
        s.execute(delete(LoginSession).where(LoginSession.user_id == account.user_id))


def verify_login(project: Project, name: str, password: str) -> str:
    """The account's role if name and password match an active account; otherwise refused."""
    with project.session() as s:
        account = s.scalar(select(Account).join(User).where(User.name == name.strip()))
        stored = account.password_hash if account is not None else _UNKNOWN_USER_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            account = None
        if account is None or not account.active:
            raise NotAllowed("that name and password do not match an active account")
        if _hasher.check_needs_rehash(account.password_hash):
            account.password_hash = _hasher.hash(password)
        return account.role


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(project: Project, user: str, role: str) -> str:
    """A new signed-in session; returns the secret for the browser's cookie."""
    check_role(role)
    secret = secrets.token_urlsafe(32)
    with project.session() as s:
        now = utcnow()
        s.execute(delete(LoginSession).where(LoginSession.expires_at < now))
        s.add(
            LoginSession(
                id_hash=_hash(secret),
                user_id=get_or_create_user(s, user).id,
                role=role,
                csrf=secrets.token_urlsafe(32),
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return secret


# built once: every request runs it
_SIGNED_IN = (
    select(LoginSession.expires_at, LoginSession.role, LoginSession.csrf, User.name,
           Account.role.label("account_role"), Account.active)
    .join(User, User.id == LoginSession.user_id)
    .outerjoin(Account, Account.user_id == LoginSession.user_id)
    .where(LoginSession.id_hash == bindparam("id_hash"))
)


def signed_in(project: Project, secret: str, *, team: bool) -> SignedIn | None:
    """Who holds this cookie secret, or None if it opens nothing (unknown, expired, revoked).

    In team mode the role is read from the account each time, so a change of role or a
    deactivation takes effect at the next request.
    """
    if not secret:
        return None
    row = project.read_once(_SIGNED_IN, {"id_hash": _hash(secret)})
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=utcnow().tzinfo)
    if expires < utcnow():
        return None
    if team:
        if row.account_role is None or not row.active:
            return None
        return SignedIn(row.name, row.account_role, row.csrf)
    return SignedIn(row.name, row.role, row.csrf)


def end_session(project: Project, secret: str) -> None:
    with project.session() as s:
        s.execute(delete(LoginSession).where(LoginSession.id_hash == _hash(secret)))
