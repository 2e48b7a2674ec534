"""``full`` validation: pyx12's implementation-guide checks, merged into our own report.

pyx12 knows the loops, segment order, code lists and situational rules of the guides it has
maps for; our structure check knows envelopes and counts. Its findings join ours in the same
999, so a client sees one acknowledgement. Where pyx12 has no map (270/271, 276/277, 278),
``full`` is ``structure`` and the report says so.
"""

from __future__ import annotations

import io
import json
import logging
from typing import IO, Any

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

from simulator.x12.report import ElementError, SegmentError, SetResult, ValidationReport

PYX12_VERSIONS = frozenset(
    {"005010X222A1", "005010X223A2", "005010X220A1", "005010X221A1", "005010X218"}
)


def deepen(report: ValidationReport, stream: IO[bytes], version: str) -> ValidationReport:
    """Add pyx12's findings for ``version`` to ``report`` (which it returns, marked ``full``)."""
    report.mode = "full"
    if version not in PYX12_VERSIONS:
        report.notes.append(
            f"full validation: pyx12 has no map for {version}; structure checks only"
        )
        return report
    if not any(
        group.sets and not group.unsupported
        for interchange in report.interchanges
        if interchange.accepted
        for group in interchange.groups
    ):
        return report  # nothing pyx12 could add to: no transaction set is reported
    findings = _pyx12_findings(stream)
    if findings is None:
        report.notes.append("full validation: pyx12 could not read the file")
        return report
    sets = {
        (interchange.control_number, group.control_number, result.control_number): result
        for interchange in report.interchanges
        for group in interchange.groups
        for result in group.sets
    }
    for interchange in findings.get("interchanges", []):
        for group in interchange.get("groups", []):
            for transaction in group.get("transactions", []):
                key = (
                    interchange.get("isa_trn_set_id"),
                    group.get("gs_control_num"),
                    transaction.get("trn_set_control_num"),
                )
                result = sets.get(key)
                if result is not None:
                    _merge(result, transaction)
    return report


def _pyx12_findings(stream: IO[bytes]) -> dict[str, Any] | None:
    findings = io.StringIO()
    text = io.TextIOWrapper(stream, encoding="latin-1", newline="")
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    try:
        pyx12.x12n_document.x12n_document(pyx12.params.params(), text, None, None, fd_json=findings)
    except (pyx12.errors.X12Error, pyx12.errors.EngineError, ValueError, KeyError):
        return None
    finally:
        text.detach()
    try:
        parsed: dict[str, Any] = json.loads(findings.getvalue())
    except json.JSONDecodeError:
        return None
    return parsed


def _merge(result: SetResult, transaction: dict[str, Any]) -> None:
    known = {(error.tag, error.position, error.code) for error in result.segment_errors}
    for segment in transaction.get("segments", []):
        elements = [
            ElementError(
                position=_position(element),
                reference=str(element.get("ele_ref_num") or ""),
                code=str(error["err_cde"]),
                value=str(error.get("err_val") or "")[:99],
            )
            for element in segment.get("elements", [])
            for error in element.get("errors", [])
        ]
        codes = [str(error["err_cde"]) for error in segment.get("errors", [])]
        if elements:
            codes.append("8")
        for code in dict.fromkeys(codes):
            key = (str(segment.get("seg_id", ""))[:3], int(segment.get("seg_count") or 0), code)
            if key in known:
                continue
            known.add(key)
            result.segment_errors.append(
                SegmentError(key[0], key[1], code, elements=elements if code == "8" else [])
            )
    for error in transaction.get("errors", []):
        result.reject(str(error["err_cde"]))
    if result.segment_errors:
        result.reject("5")


def _position(element: dict[str, Any]) -> str:
    position = str(element.get("ele_pos") or "")
    component = element.get("subele_pos")
    return f"{position}:{component}" if component else position
