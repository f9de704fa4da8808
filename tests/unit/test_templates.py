"""Letter templates as data: the shipped set is valid; a broken file is refused, naming file and fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from privdesk.documents import LAWS, LETTER_KINDS, Art15Info, TemplateError, load_templates
from privdesk.documents.templates import FLAGS, PLACEHOLDERS, clear_template_cache, placeholders_in
from privdesk.paths import resource_path


@pytest.fixture
def template_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped templates to break."""
    target = tmp_path / "templates"
    shutil.copytree(resource_path("templates"), target)
    clear_template_cache()
    return target


def test_shipped_templates_are_valid() -> None:
    tset = load_templates()
    for kind in LETTER_KINDS:
        for law in LAWS:
            assert tset.pick(kind, law).kind == kind
    assert tset.pick("export", "ccpa").file == "export.ccpa.toml"
    assert tset.pick("export", "lgpd").file == "export.lgpd.toml"
    assert tset.pick("export", "gdpr").file == "export.toml"


def test_art15_defaults_load() -> None:
    info = Art15Info.defaults()
    assert info.purposes and info.categories and info.recipients
    assert "standard data protection clauses" in info.transfer_safeguards


def test_unknown_placeholder_is_refused_with_file_and_name(template_dir: Path) -> None:
    path = template_dir / "extension.toml"
    path.write_text(path.read_text().replace("{extension_reason}", "{extension_reasons}"))
    with pytest.raises(TemplateError) as err:
        load_templates(template_dir)
    assert "extension.toml" in str(err.value)
    assert "{extension_reasons}" in str(err.value)


def test_unknown_placeholder_in_a_law_variant(template_dir: Path) -> None:
    path = template_dir / "denial.ccpa.toml"
    path.write_text(path.read_text().replace("{authority_name}", "{regulator}", 1))
    with pytest.raises(TemplateError, match=r"denial\.ccpa\.toml: unknown placeholder \{regulator\}"):
        load_templates(template_dir)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("acknowledgement.toml", 'when = ["has_requester"]', 'when = ["has_agent"]', "unknown condition 'has_agent'"),
        ("export.toml", 'list = "art15_purposes"', 'list = "purposes"', "unknown list 'purposes'"),
        ("completion.toml", 'closing = ', 'closeing = ', "unknown key 'closeing'"),
        ("verification.toml", "{reference}", "{reference:>10}", "must not carry a format"),
        ("verification.toml", "{reference}", "{request.reference}", "not a plain name"),
        ("denial.toml", "{reference}", "{reference", "brace is not closed"),
        ("common.toml", "{pages}", "{total}", "common.toml: unknown placeholder {total}"),
        ("laws.toml", 'short = "CPA"', 'shorty = "CPA"', "laws.toml: [cpa] lacks 'short'"),
        ("export.toml", 'item = "transfers"', 'item = "transfer"', "unknown item 'transfer'"),
        ("export.ccpa.toml", 'numbered = true', 'numbered = "yes"', "numbered in section"),
    ],
)
def test_other_template_faults_are_named(template_dir: Path, file: str, old: str, new: str, message: str) -> None:
    path = template_dir / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(TemplateError) as err:
        load_templates(template_dir)
    assert message in str(err.value)
    assert file in str(err.value)


def test_missing_kind_and_stray_file(template_dir: Path) -> None:
    (template_dir / "denial.toml").unlink()
    with pytest.raises(TemplateError, match="denial.toml is missing"):
        load_templates(template_dir)
    clear_template_cache()
    shutil.copy(resource_path("templates", "denial.toml"), template_dir / "denial.toml")
    (template_dir / "denial.klingon.toml").write_text((template_dir / "denial.toml").read_text())
    with pytest.raises(TemplateError, match="'klingon' is not a law"):
        load_templates(template_dir)


def test_placeholder_parsing() -> None:
    assert placeholders_in("Dear {subject_name}, {{literal}} {reference}", "x") == ["subject_name", "reference"]
    assert "law_uk_gdpr" in FLAGS and "type_opt_out" in FLAGS
    assert "reference" in PLACEHOLDERS


def test_readme_documents_every_placeholder() -> None:
    readme = resource_path("templates", "README.md").read_text(encoding="utf-8")
    undocumented = [name for name in PLACEHOLDERS if f"`{{{name}}}`" not in readme]
    assert undocumented == []


@pytest.mark.parametrize(("typed", "reads"), [
    ("Information Commissioner's Office", "the Information Commissioner's Office"),
    ("the  Information Commissioner's Office", "the Information Commissioner's Office"),
    ("THE Data Protection Commission", "the Data Protection Commission"),
    ("Agencia Española de Protección de Datos (AEPD)", "the Agencia Española de Protección de Datos (AEPD)"),
    ("Irish Data Protection Commission.", "the Irish Data Protection Commission."),
    ("Garante per la protezione dei dati personali", "the Garante per la protezione dei dati personali"),
    ("CNIL", "CNIL"),
    ("Datatilsynet", "Datatilsynet"),
    ("Autoriteit Persoonsgegevens (AP)", "Autoriteit Persoonsgegevens (AP)"),
    ("Theodor Heuss", "Theodor Heuss"),
    ("   ", ""),
])
def test_authority_reads_in_a_sentence(typed: str, reads: str) -> None:
    from privdesk.documents.context import authority_in_sentence

    assert authority_in_sentence(typed) == reads
