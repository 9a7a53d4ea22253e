"""Where an element goes in its parent: the schema's order (render/schema_order.py)."""

import pytest
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls

from reportpack.render import schema_order


def _tags(element) -> list[str]:
    return [child.tag.rsplit("}", 1)[1] for child in element]


def test_an_element_goes_before_the_first_sibling_the_schema_puts_after_it():
    rpr = parse_xml(f'<w:rPr {nsdecls("w")}><w:rFonts/><w:sz w:val="32"/><w:lang w:val="en-US"/></w:rPr>')
    schema_order.insert(rpr, OxmlElement("w:spacing"))  # after color, before w/kern/…/sz/…/lang
    schema_order.insert(rpr, OxmlElement("w:b"))
    schema_order.insert(rpr, OxmlElement("w:eastAsianLayout"))  # after lang: at the end
    assert _tags(rpr) == ["rFonts", "b", "spacing", "sz", "lang", "eastAsianLayout"]
    assert schema_order.misplaced(rpr) == []


def test_settings_take_even_and_odd_headers_before_what_follows_it():
    settings = parse_xml(f"<w:settings {nsdecls('w')}><w:zoom/><w:defaultTabStop/><w:compat/><w:rsids/></w:settings>")
    schema_order.insert(settings, OxmlElement("w:evenAndOddHeaders"))
    assert _tags(settings) == ["zoom", "defaultTabStop", "evenAndOddHeaders", "compat", "rsids"]


def test_misplaced_names_parent_child_and_the_sibling_it_follows():
    rpr = parse_xml(f"<w:rPr {nsdecls('w')}><w:rFonts/><w:lang/><w:spacing/></w:rPr>")
    assert schema_order.misplaced(rpr) == ["w:rPr: w:spacing after w:lang"]
    nested = parse_xml(f"<w:p {nsdecls('w')}><w:pPr><w:jc/><w:spacing/><w:rPr><w:b/></w:rPr></w:pPr></w:p>")
    assert schema_order.misplaced(nested) == ["w:pPr: w:spacing after w:jc"]


def test_header_and_footer_references_are_a_choice_in_any_order():
    sect = parse_xml(
        f"<w:sectPr {nsdecls('w')}><w:headerReference/><w:footerReference/><w:headerReference/><w:pgSz/><w:pgMar/></w:sectPr>"
    )
    assert schema_order.misplaced(sect) == []
    schema_order.insert(sect, OxmlElement("w:docGrid"))
    schema_order.insert(sect, OxmlElement("w:type"))
    assert _tags(sect)[-4:] == ["type", "pgSz", "pgMar", "docGrid"]


def test_an_element_the_sequences_do_not_know_is_refused():
    rpr = parse_xml(f"<w:rPr {nsdecls('w')}/>")
    with pytest.raises(KeyError, match="jc"):
        schema_order.insert(rpr, OxmlElement("w:jc"))


def test_the_fast_writer_joins_its_properties_in_schema_order():
    written = schema_order.in_order(
        "w:pPr", [("w:ind", "<w:ind/>"), ("w:pStyle", "<w:pStyle/>"), ("w:keepNext", ""), ("w:spacing", "<w:spacing/>")]
    )
    assert written == "<w:pStyle/><w:spacing/><w:ind/>"
