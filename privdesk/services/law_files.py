"""The law files in force for this organisation: the shipped ones and its own (issue 10).

An organisation may add a law PrivDesk does not ship (a company policy such as "we answer within 30
days", or a national law not yet in force) as a file in ``<data dir>/laws``. It is validated exactly
like the shipped files, refused with its line and reason, and can never replace a shipped law.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from privdesk.domain import laws
from privdesk.domain.law_summary import RuleRow, rule_rows
from privdesk.errors import NotFoundError, ValidationError
from privdesk.services.context import AppContext

log = logging.getLogger("privdesk.services.laws")


def laws_dir(ctx: AppContext) -> Path:
    return ctx.paths.data_dir / "laws"


def apply_organisation(ctx: AppContext) -> None:
    """Make this organisation's law files and small-agent status the ones deadlines use."""
    small = False
    try:
        # one row, not get_settings(): every command opens a context, and the settings service
        # with its profile of every setting is not needed for that
        from sqlalchemy import select

        from privdesk.store.models import Setting

        with ctx.db.session() as s:
            small = s.scalar(select(Setting.value).where(Setting.key == "lgpd.small_agent")) == "yes"
    except Exception:  # a database without the settings table yet: shipped rules only
        log.debug("settings not readable; small-agent rule off")
    laws.use_organisation_laws(laws_dir(ctx), small_agent=small)


@dataclass(frozen=True)
class LawListing:
    laws: tuple[laws.LawRule, ...]
    #: one sentence per organisation file that was refused (file, line and reason)
    problems: tuple[str, ...]


def list_laws(ctx: AppContext) -> LawListing:
    apply_organisation(ctx)
    found = laws.load_laws()
    _, problems = laws.organisation_laws(laws_dir(ctx))
    return LawListing(tuple(found[k] for k in sorted(found) if found[k].origin != "appeal"), tuple(problems))


def show_law(ctx: AppContext, law_id: str) -> tuple[laws.LawRule, list[RuleRow]]:
    apply_organisation(ctx)
    rule = laws.get_law(law_id)
    return rule, rule_rows(rule)


def add_law_file(ctx: AppContext, source: Path, replace: bool = False) -> laws.LawRule:
    """Check ``source`` like a shipped law file and copy it (owner-only) into the data directory."""
    if not source.is_file():
        raise NotFoundError(f"There is no file {source}.")
    rule = laws.check_organisation_law(source)
    target_dir = laws_dir(ctx)
    target = target_dir / f"{rule.id}.toml"
    if target.exists() and not replace:
        raise ValidationError(f"The organisation already has a law file {rule.id!r}; add --replace to replace it.")
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("organisation law file %s added", rule.id)
    apply_organisation(ctx)
    return laws.get_law(rule.id)


def remove_law_file(ctx: AppContext, law_id: str) -> None:
    target = laws_dir(ctx) / f"{laws.normalise_law_id(law_id)}.toml"
    if not target.exists():
        raise NotFoundError(f"The organisation has no law file {law_id!r} (shipped laws cannot be removed).")
    target.unlink()
    apply_organisation(ctx)
