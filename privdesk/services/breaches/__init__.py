"""The breach register: recording breaches, their notifications and the people affected.

Each public function is one unit of work: it validates with :mod:`privdesk.domain.breach`, writes
the change and its audit entry (entity ``breach``, the reference as id) and commits, or changes
nothing. Results are frozen dataclasses; the register's clocks are computed from the stored
moments at read time, so "time left" is always current. Where to look:

* :mod:`.recording` recording and editing a breach, status moves;
* :mod:`.notifications` notices sent, lateness and the reasons for delay;
* :mod:`.reading` one breach, the register list, history;
* :mod:`.register_export` the register exported as CSV (Art. 33(5));
* :mod:`.affected` the people affected, who was notified; :mod:`.affected_csv` a CSV of them;
* :mod:`.affected_search` affected people found by a subject search (confirmed, and candidates
  added only when the officer includes them);
* :mod:`.values` the plain results; :mod:`.common` loading, time zone, row <-> record;
* :mod:`.legal_facts` the facts LGPD and California notices need (security measures, identity-theft
  services, the data's owner, permitted delays);
* :mod:`.demo` the demo breaches. The notices themselves (PDFs, e-mails) are
  :mod:`privdesk.services.breach_notices`.

Everything public stays importable from here: ``privdesk.services.breaches.add_breach``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from privdesk.lazy_exports import lazy_exports

if TYPE_CHECKING:  # what the package offers; each room is imported when one of its names is first used
    from privdesk.services.breaches.affected import (
        AddResult,
        AffectedView,
        Person,
        add_affected,
        count_affected,
        iter_affected,
        list_affected,
        mark_notified,
        remove_affected,
    )
    from privdesk.services.breaches.affected_csv import (
        find_affected_in_csv,
        import_affected_csv,
        read_people_csv,
    )
    from privdesk.services.breaches.affected_search import (
        AffectedSearch,
        FoundPerson,
        Include,
        SearchFn,
        SearchUnavailable,
        add_affected_from_identifiers,
        add_affected_from_matches,
        add_found,
        find_affected,
        people_from_matches,
    )
    from privdesk.services.breaches.common import (
        _now as _now,
    )
    from privdesk.services.breaches.common import (
        _unit as _unit,
    )
    from privdesk.services.breaches.common import (
        local_zone,
        organisation_zone,
    )
    from privdesk.services.breaches.demo import (
        seed_demo_breaches,
    )
    from privdesk.services.breaches.legal_facts import get_legal, set_legal
    from privdesk.services.breaches.notifications import (
        LateCheck,
        check_late,
        record_notification,
    )
    from privdesk.services.breaches.reading import (
        get_breach,
        history,
        list_breaches,
    )
    from privdesk.services.breaches.recording import (
        add_breach,
        set_status,
        update_breach,
    )
    from privdesk.services.breaches.register_export import (
        REGISTER_COLUMNS,
        export_register,
        register_rows,
    )
    from privdesk.services.breaches.register_export import (
        _cell as _cell,
    )
    from privdesk.services.breaches.values import (
        CALIFORNIA,
        ENTITY,
        BreachDetail,
        BreachQuery,
        BreachRow,
        NotificationRecord,
    )

_ROOMS = {
    "affected": (
        "AddResult", "AffectedView", "Person", "add_affected", "count_affected", "iter_affected",
        "list_affected", "mark_notified", "remove_affected",
    ),
    "affected_csv": ("find_affected_in_csv", "import_affected_csv", "read_people_csv"),
    "affected_search": (
        "AffectedSearch", "FoundPerson", "Include", "SearchFn", "SearchUnavailable",
        "add_affected_from_identifiers", "add_affected_from_matches", "add_found", "find_affected",
        "people_from_matches",
    ),
    "common": ("_now", "_unit", "local_zone", "organisation_zone"),
    "demo": ("seed_demo_breaches",),
    "legal_facts": ("get_legal", "set_legal"),
    "notifications": ("LateCheck", "check_late", "record_notification"),
    "reading": ("get_breach", "history", "list_breaches"),
    "recording": ("add_breach", "set_status", "update_breach"),
    "register_export": ("REGISTER_COLUMNS", "export_register", "register_rows", "_cell"),
    "values": ("CALIFORNIA", "ENTITY", "BreachDetail", "BreachQuery", "BreachRow", "NotificationRecord"),
}

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(__name__, _ROOMS)

__all__ = [
    "get_legal",
    "set_legal",
    "AddResult",
    "AffectedSearch",
    "AffectedView",
    "BreachDetail",
    "BreachQuery",
    "BreachRow",
    "CALIFORNIA",
    "ENTITY",
    "FoundPerson",
    "Include",
    "LateCheck",
    "NotificationRecord",
    "Person",
    "REGISTER_COLUMNS",
    "SearchFn",
    "SearchUnavailable",
    "add_affected",
    "add_affected_from_identifiers",
    "add_affected_from_matches",
    "add_breach",
    "add_found",
    "check_late",
    "count_affected",
    "export_register",
    "find_affected",
    "find_affected_in_csv",
    "get_breach",
    "history",
    "import_affected_csv",
    "iter_affected",
    "list_affected",
    "list_breaches",
    "local_zone",
    "organisation_zone",
    "mark_notified",
    "people_from_matches",
    "read_people_csv",
    "record_notification",
    "register_rows",
    "remove_affected",
    "seed_demo_breaches",
    "set_status",
    "update_breach",
]
