"""Rights requests: opening, reading the queue, and every step of the workflow, one room each.

Each public function is one unit of work: it validates with the domain's rules, changes the
request, writes the audit entry and commits, or changes nothing. Results are frozen dataclasses
(:mod:`.values`). Where to look:

* :mod:`.opening` opening a request (validation, duplicates, the reference);
* :mod:`.queue` one request and the queue (filtering, sorting, paging in SQL);
* :mod:`.workflow` verification, extension, completion, denial, withdrawal, status, notes;
* :mod:`.clock` the deadline, the holiday calendar, stopping and restarting the clock;
* :mod:`.assignment` assigning officers; :mod:`.attachments` files; :mod:`.subject` correcting
  the subject; :mod:`.duplicates` keep or merge; :mod:`.comparison` possible duplicates while
  typing, two requests side by side; :mod:`.bulk` bulk actions; :mod:`.export` the
  request log as CSV; :mod:`.common` loading, the audited edit path, optimistic locking;
  :mod:`.legal` the refusal deadline (``refuse_by``) and appeals linked to refused requests.

Everything public stays importable from here: ``privdesk.services.requests.extend``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from privdesk.lazy_exports import lazy_exports

if TYPE_CHECKING:  # what the package offers; each room is imported when one of its names is first used
    from privdesk.services.requests.assignment import (
        apply_assign,
        assign,
        officer_id_by_email,
        officers,
    )
    from privdesk.services.requests.attachments import (
        add_attachment_row,
        attach_file,
        attachment_path,
        store_file,
    )
    from privdesk.services.requests.bulk import (
        bulk_assign,
        bulk_status,
    )
    from privdesk.services.requests.clock import (
        apply_pause,
        apply_resume,
        current_deadline,
        pause_clock,
        resume_clock,
    )
    from privdesk.services.requests.common import (
        _changes as _changes,
    )
    from privdesk.services.requests.common import (
        _snapshot as _snapshot,
    )
    from privdesk.services.requests.common import (
        _unit as _unit,
    )
    from privdesk.services.requests.common import (
        law_pauses_for_identity,
        parse_date,
        parse_reference,
    )
    from privdesk.services.requests.comparison import (
        ComparisonRow,
        Side,
        compare,
        possible_duplicates,
        side_by_ref,
        side_of,
        side_of_new,
    )
    from privdesk.services.requests.duplicates import (
        keep_duplicate,
        merge_duplicate,
    )
    from privdesk.services.requests.export import (
        EXPORT_COLUMNS,
        export_log,
    )
    from privdesk.services.requests.legal import (
        AppealLinks,
        RefusalInfo,
        appeal_links,
        detail_json,
        open_appeal,
        refusal_info,
    )
    from privdesk.services.requests.opening import (
        ReferenceAllocator,
        find_duplicates,
        insert_prepared,
        open_request,
        prepare,
    )
    from privdesk.services.requests.queue import (
        SORT_COLUMNS,
        count_requests,
        due_summary,
        get_request,
        list_requests,
        query_references,
    )
    from privdesk.services.requests.subject import (
        update_subject,
    )
    from privdesk.services.requests.values import (
        ENTITY,
        FINAL_STATUSES,
        IDENTIFIER_KINDS,
        OPEN_STATUSES,
        AttachmentInfo,
        BulkResult,
        DueSummary,
        Identifier,
        NewRequest,
        OpenResult,
        RequestDetail,
        RequestQuery,
        RequestRow,
    )
    from privdesk.services.requests.workflow import (
        add_note,
        apply_decision,
        apply_extend,
        apply_start_verification,
        apply_verify,
        apply_withdraw,
        change_status,
        complete,
        deny,
        extend,
        start_verification,
        verify_identity,
        withdraw,
    )

_ROOMS = {
    "assignment": ("apply_assign", "assign", "officer_id_by_email", "officers"),
    "attachments": ("add_attachment_row", "attach_file", "attachment_path", "store_file"),
    "bulk": ("bulk_assign", "bulk_status"),
    "clock": ("apply_pause", "apply_resume", "current_deadline", "pause_clock", "resume_clock"),
    "common": ("_changes", "_snapshot", "_unit", "law_pauses_for_identity", "parse_date", "parse_reference"),
    "comparison": (
        "ComparisonRow", "Side", "compare", "possible_duplicates", "side_by_ref", "side_of", "side_of_new",
    ),
    "duplicates": ("keep_duplicate", "merge_duplicate"),
    "export": ("EXPORT_COLUMNS", "export_log"),
    "legal": ("AppealLinks", "RefusalInfo", "appeal_links", "detail_json", "open_appeal", "refusal_info"),
    "opening": ("ReferenceAllocator", "find_duplicates", "insert_prepared", "open_request", "prepare"),
    "queue": (
        "SORT_COLUMNS", "count_requests", "due_summary", "get_request", "list_requests", "query_references",
    ),
    "subject": ("update_subject",),
    "values": (
        "ENTITY", "FINAL_STATUSES", "IDENTIFIER_KINDS", "OPEN_STATUSES", "AttachmentInfo", "BulkResult",
        "DueSummary", "Identifier", "NewRequest", "OpenResult", "RequestDetail", "RequestQuery",
        "RequestRow",
    ),
    "workflow": (
        "add_note", "apply_decision", "apply_extend", "apply_start_verification", "apply_verify",
        "apply_withdraw", "change_status", "complete", "deny", "extend", "start_verification",
        "verify_identity", "withdraw",
    ),
}

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(__name__, _ROOMS)

__all__ = [
    "AppealLinks",
    "RefusalInfo",
    "appeal_links",
    "detail_json",
    "open_appeal",
    "refusal_info",
    "AttachmentInfo",
    "BulkResult",
    "ComparisonRow",
    "DueSummary",
    "ENTITY",
    "EXPORT_COLUMNS",
    "FINAL_STATUSES",
    "IDENTIFIER_KINDS",
    "Identifier",
    "NewRequest",
    "OPEN_STATUSES",
    "OpenResult",
    "ReferenceAllocator",
    "RequestDetail",
    "RequestQuery",
    "RequestRow",
    "SORT_COLUMNS",
    "Side",
    "add_attachment_row",
    "add_note",
    "apply_assign",
    "apply_decision",
    "apply_extend",
    "apply_pause",
    "apply_resume",
    "apply_start_verification",
    "apply_verify",
    "apply_withdraw",
    "assign",
    "attach_file",
    "attachment_path",
    "bulk_assign",
    "bulk_status",
    "change_status",
    "compare",
    "complete",
    "count_requests",
    "current_deadline",
    "deny",
    "due_summary",
    "export_log",
    "extend",
    "find_duplicates",
    "get_request",
    "insert_prepared",
    "keep_duplicate",
    "law_pauses_for_identity",
    "list_requests",
    "merge_duplicate",
    "officer_id_by_email",
    "officers",
    "open_request",
    "parse_date",
    "parse_reference",
    "pause_clock",
    "possible_duplicates",
    "prepare",
    "query_references",
    "resume_clock",
    "side_by_ref",
    "side_of",
    "side_of_new",
    "start_verification",
    "store_file",
    "update_subject",
    "verify_identity",
    "withdraw",
]
