"""The certification report: JUnit XML a CI job gates on, and one HTML file a person reads.

One test case per organization and transaction type: certified passes; anything else fails
with what is missing and the evidence (tracking numbers, dates, outcomes). An organization
asked for by name that has tested nothing at all fails too, so a gate never passes empty.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from simulator.portal.certification import (
    CERTIFIED,
    Evidence,
    OrganizationStatus,
    TypeStatus,
    describe,
)

SUITE_NAME = "posc-sim certification"
NOTHING_TESTED = "no transaction type has been tested on the Test site"


def evidence_line(evidence: Evidence) -> str:
    counted = "counted" if evidence.counted else "did not count"
    return (
        f"{evidence.tracking_number} received {evidence.received_at.isoformat()}: "
        f"{describe(evidence)}; {counted}"
    )


def _case(suite: ElementTree.Element, organization: str, status: TypeStatus) -> None:
    case = ElementTree.SubElement(
        suite, "testcase", classname=organization, name=status.transaction_type
    )
    lines = [evidence_line(evidence) for evidence in status.evidence]
    if status.status == CERTIFIED:
        how = "by Customer Services" if status.set_by == "customer_services" else "by testing"
        when = status.certified_at.isoformat() if status.certified_at else ""
        output = ElementTree.SubElement(case, "system-out")
        output.text = "\n".join([f"certified {how} at {when}", *lines])
        return
    failure = ElementTree.SubElement(
        case, "failure", message=f"{status.status.replace('_', ' ')}: {status.missing}"
    )
    failure.text = "\n".join(lines) or "no test file of this type has been received"


def junit_xml(statuses: Sequence[OrganizationStatus], organization: str | None = None) -> bytes:
    suite = ElementTree.Element("testsuite", name=SUITE_NAME)
    for status in statuses:
        for type_status in status.types:
            _case(suite, status.organization, type_status)
    if organization is not None and not any(status.types for status in statuses):
        case = ElementTree.SubElement(
            suite, "testcase", classname=organization, name="any transaction type"
        )
        ElementTree.SubElement(case, "failure", message=NOTHING_TESTED)
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    suite.set("errors", "0")
    written: bytes = ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)
    return written


def html(
    statuses: Sequence[OrganizationStatus], made_at: datetime, organization: str | None = None
) -> str:
    """One self-contained page: per organization and type, the status and a timeline."""
    environment = Environment(
        loader=PackageLoader("simulator.web", "templates"), autoescape=select_autoescape()
    )
    template = environment.get_template("certification_report.html")
    return template.render(
        statuses=statuses,
        made_at=made_at,
        organization=organization,
        nothing_tested=NOTHING_TESTED,
        describe=describe,
    )
