"""Who did it: the officer chosen in the app beside the login the system vouches for.

The officer is a choice any user can make; the login (the database account on a shared
PostgreSQL or MariaDB case database, the operating-system account otherwise) is what the
server or the computer authenticated. The audit trail records both in its ``actor`` field as
``officer [login: name]`` so that a changed choice cannot hide who was signed in, and a
timeline shows both only where they differ.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_ACTOR = re.compile(r"^(?P<officer>.*?) \[login: (?P<login>[^\]]*)\]$", re.DOTALL)
MAX_ACTOR = 320  # the audit column's width
_MAX_LOGIN = 64


@dataclass(frozen=True)
class Actor:
    """One audit entry's author: the chosen officer (an e-mail or a name) and the login."""

    officer: str
    login: str = ""

    def encode(self) -> str:
        """The text stored in the audit trail (hashed with the entry)."""
        login = self.login.replace("]", ")")[:_MAX_LOGIN]
        if not login:
            return self.officer[:MAX_ACTOR]
        suffix = f" [login: {login}]"
        return self.officer[: MAX_ACTOR - len(suffix)] + suffix

    @property
    def differs(self) -> bool:
        """True when the login is not recognisably the officer's own account."""
        return bool(self.login) and not same_person(self.officer, self.login)

    def describe(self, officer_name: str = "") -> str:
        """``Priya Shah`` or ``Priya Shah (signed in as bob)`` for a timeline."""
        who = officer_name or self.officer or self.login or "unknown"
        if self.differs:
            return f"{who} (signed in as {self.login})"
        return who


def parse_actor(text: str) -> Actor:
    """The inverse of :meth:`Actor.encode`; entries written before logins were recorded have
    no login."""
    m = _ACTOR.match(text or "")
    if m is None:
        return Actor(text or "")
    return Actor(m.group("officer"), m.group("login"))


def _local(value: str) -> str:
    return value.strip().lower().split("@", 1)[0]


def same_person(officer: str, login: str) -> bool:
    """Whether ``login`` is recognisably this officer's account: the whole e-mail, its local
    part (``priya.shah@org`` / ``priya.shah``), or the same letters without spaces, dots and
    dashes (``Priya Shah`` / ``priyashah``). Anything looser would hide a real difference."""
    o, lg = officer.strip().lower(), login.strip().lower()
    if not o or not lg:
        return False
    squash = re.compile(r"[\s._-]+")
    return lg == o or _local(lg) == _local(o) or squash.sub("", _local(lg)) == squash.sub("", _local(o))


@dataclass(frozen=True)
class OfficerChoice:
    """An officer as the start-up chooser lists them."""

    name: str
    email: str


def match_login(officers: Sequence[OfficerChoice], login: str) -> OfficerChoice | None:
    """The officer whose e-mail or name belongs to ``login`` (the OS user by default), or None
    when none or more than one does: then the officer must choose."""
    hits = [o for o in officers if same_person(o.email, login) or same_person(o.name, login)]
    return hits[0] if len(hits) == 1 else None
