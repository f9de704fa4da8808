"""``--expect-version`` is offered only where it means something: an action on one existing request."""

from __future__ import annotations

import pytest

from privdesk.cli import main


@pytest.mark.parametrize("command", [("ropa", "export"), ("ropa", "import"), ("ropa", "map"), ("retention", "run"),
                                     ("request", "appeal"), ("request", "add"), ("request", "import")])
def test_no_expect_version_where_no_request_is_changed(command: tuple[str, ...],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert "--as" in out and "--expect-version" not in out


@pytest.mark.parametrize("command", [("request", "extend"), ("request", "note"), ("request", "assign")])
def test_expect_version_on_a_request_change(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    assert "refuse if the request changed" in capsys.readouterr().out
