"""Organisation identifiers in the 360Giving / org-id.guide style: ``<list>-<id>``.

Common lists are checked for their own shape: local authorities in England
(``GB-LAE-BIR``), charities in England and Wales (``GB-CHC-1234567``), Companies House
(``GB-COH-01234567`` or ``GB-COH-SC123456``), Scottish charities (``GB-SC-SC012345``),
government organisations (``GB-GOR-D6``), schools and colleges (``GB-EDU-123456``).
Other org-id lists must at least have the ``XX-LIST-id`` shape.
"""

from __future__ import annotations

import re

_SHAPES = {
    "GB-LAE": re.compile(r"^[A-Z]{3,4}$"),
    "GB-LAS": re.compile(r"^[A-Z]{3,4}$"),
    "GB-PLA": re.compile(r"^[A-Z0-9]{3,9}$"),
    "GB-CHC": re.compile(r"^[0-9]{6,7}(-[0-9]{1,2})?$"),
    "GB-COH": re.compile(r"^([0-9]{8}|(SC|NI|OC|SO|NC|IP|SP|RS|FC|LP|SL|SE|GE|CE|CS|RC|NF|NL|NO|NP|NR|NZ)[0-9]{6})$"),
    "GB-SC": re.compile(r"^SC[0-9]{6}$"),
    "GB-NIC": re.compile(r"^[0-9]{6}$"),
    "GB-GOR": re.compile(r"^[A-Z]{1,3}[0-9]{1,4}$"),
    "GB-EDU": re.compile(r"^[0-9]{6}$"),
    "GB-MPR": re.compile(r"^[0-9A-Z]{3,8}$"),
}
_GENERIC = re.compile(r"^([A-Z]{2})-([A-Z0-9]{2,10})-([A-Za-z0-9][A-Za-z0-9._-]{0,40})$")


def identifier_problem(identifier: str) -> str | None:
    """Why ``identifier`` is not a well-formed org identifier, or ``None`` if it is."""
    match = _GENERIC.match(identifier)
    if not match:
        return "Enter an organisation identifier like GB-CHC-1234567, GB-COH-01234567 or GB-LAE-BIR"
    prefix = f"{match.group(1)}-{match.group(2)}"
    shape = _SHAPES.get(prefix)
    if shape is not None and not shape.match(match.group(3)):
        examples = {
            "GB-LAE": "GB-LAE-BIR",
            "GB-CHC": "GB-CHC-1234567",
            "GB-COH": "GB-COH-01234567 or GB-COH-SC123456",
            "GB-SC": "GB-SC-SC012345",
            "GB-GOR": "GB-GOR-D6",
            "GB-EDU": "GB-EDU-123456",
        }
        return f"{identifier} is not a valid {prefix} identifier (for example {examples.get(prefix, prefix + '-…')})"
    return None


def is_valid_identifier(identifier: str) -> bool:
    return identifier_problem(identifier) is None
