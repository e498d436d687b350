"""docs/status-matrix.md describes the status matrix the code enforces.

The Mermaid diagram and the tables of each section are parsed and compared with the django-fsm
transitions declared on Order.status and Deal.stage, so a transition added, removed or re-targeted
in the code without the same change in the document (or the reverse) fails here. No database.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from django.db import models
from django.utils import translation

from deals.models import Deal
from orders.models import Order

DOC = Path(__file__).resolve().parents[2] / "docs" / "status-matrix.md"

#: section key (the `<!-- matrix:KEY -->` marker) → (model, FSM field name)
MATRICES: dict[str, tuple[type[models.Model], str]] = {
    "order": (Order, "status"),
    "deal": (Deal, "stage"),
}

EDGE_LINE = re.compile(r"^    (?P<source>\w+) --> (?P<target>\w+): (?P<name>\w+)$")
START_LINE = "    [*] --> {state}"
CODE = re.compile(r"`([^`]+)`")
LABEL = re.compile(r"«([^»]+)»")

Edge = tuple[str, str, str]


# --- reading the document -------------------------------------------------------------------


@cache
def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _section(key: str) -> str:
    """The text after `<!-- matrix:KEY -->` up to the next level-2 heading."""
    marker = f"<!-- matrix:{key} -->"
    text = _doc()
    assert text.count(marker) == 1, f"{DOC.name} must contain {marker} exactly once"
    rest = text.split(marker, 1)[1]
    end = re.search(r"^## ", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


def _mermaid_lines(key: str) -> list[str]:
    match = re.match(r"\s*```mermaid\n(.*?)\n```", _section(key), flags=re.DOTALL)
    assert match, f"<!-- matrix:{key} --> must be followed by a ```mermaid block"
    lines = match.group(1).splitlines()
    assert lines[0].strip() == "stateDiagram-v2", f"the {key} diagram must be a stateDiagram-v2"
    return lines


def _diagram_edges(key: str) -> list[Edge]:
    edges = []
    for line in _mermaid_lines(key):
        if "-->" not in line or "[*]" in line:
            continue
        match = EDGE_LINE.match(line)
        assert match, f"write edges as '    source --> target: transition_name', not {line!r}"
        edges.append((match["source"], match["target"], match["name"]))
    return edges


def _tables(key: str) -> list[list[list[str]]]:
    """The Markdown tables of a section: a list of rows (header first) of stripped cells."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in _section(key).splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-+:?", cell) for cell in cells):
            continue  # the separator row
        if current is None:
            current = []
            tables.append(current)
        current.append(cells)
    return tables


def _table(key: str, *header: str) -> list[dict[str, str]]:
    """The rows, as {column: cell}, of the section's table whose header starts with `header`."""
    for table in _tables(key):
        if tuple(table[0][: len(header)]) == header:
            return [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    raise AssertionError(f"no table with the columns {header} after <!-- matrix:{key} -->")


def _transition_rows(key: str) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for row in _table(key, "from", "transition", "to", "conditions", "permission"):
        names = CODE.findall(row["transition"])
        assert len(names) == 1, f"name one transition per row: {row['transition']!r}"
        assert names[0] not in rows, f"transition {names[0]} has more than one row"
        rows[names[0]] = row
    return rows


# --- reading the code -----------------------------------------------------------------------


def _transitions(key: str) -> list:
    model, field_name = MATRICES[key]
    return list(model._meta.get_field(field_name).get_all_transitions(model))


def _code_edges(key: str) -> set[Edge]:
    # Sources and targets are TextChoices members; str() gives the stored value.
    return {(str(tr.source), str(tr.target), tr.name) for tr in _transitions(key)}


def _choices(key: str) -> dict[str, str]:
    """State value → English label."""
    model, field_name = MATRICES[key]
    with translation.override("en"):
        return {value: str(label) for value, label in model._meta.get_field(field_name).choices}


# --- the tests ------------------------------------------------------------------------------

pytestmark = pytest.mark.parametrize("key", sorted(MATRICES))


def test_diagram_edges_are_the_code_transitions(key):
    edges = _diagram_edges(key)
    assert len(edges) == len(set(edges)), "an edge is drawn twice"
    drawn, declared = set(edges), _code_edges(key)
    assert drawn == declared, (
        f"only in the diagram: {sorted(drawn - declared)}; "
        f"only in the code: {sorted(declared - drawn)}"
    )


def test_diagram_starts_at_the_default_state(key):
    model, field_name = MATRICES[key]
    default = model._meta.get_field(field_name).default
    assert START_LINE.format(state=default) in _mermaid_lines(key)


def test_diagram_names_every_state_with_its_russian_label(key):
    declared = {}
    for line in _mermaid_lines(key):
        if match := re.fullmatch(r'    state "(\w+) «[^»]+»" as (\w+)', line):
            assert match[1] == match[2], f"state label and id differ: {line!r}"
            declared[match[2]] = line
    assert set(declared) == set(_choices(key))


def test_transition_table_is_the_code_transitions(key):
    listed = set()
    for name, row in _transition_rows(key).items():
        targets = CODE.findall(row["to"])
        assert len(targets) == 1, f"{name}: one target state per row, got {row['to']!r}"
        sources = CODE.findall(row["from"])
        assert sources, f"{name}: no source state in {row['from']!r}"
        listed |= {(source, targets[0], name) for source in sources}
    declared = _code_edges(key)
    assert listed == declared, (
        f"only in the table: {sorted(listed - declared)}; "
        f"only in the code: {sorted(declared - listed)}"
    )


def test_transition_table_names_labels_conditions_and_permissions(key):
    rows = _transition_rows(key)
    with translation.override("en"):
        for tr in _transitions(key):
            row = rows[tr.name]
            label = tr.custom.get("label")
            assert LABEL.findall(row["transition"]) == [str(label)], (
                f"{tr.name}: label in the code is «{label}»"
            )
            conditions = {condition.__name__ for condition in tr.conditions}
            assert set(CODE.findall(row["conditions"])) == conditions, (
                f"{tr.name}: conditions in the code are {sorted(conditions) or 'none'}"
            )
            permission = tr.permission
            if permission is None:
                assert row["permission"].startswith("—"), f"{tr.name} has no permission"
            else:
                expected = permission if isinstance(permission, str) else permission.__name__
                assert expected in CODE.findall(row["permission"]), (
                    f"{tr.name}: permission in the code is {expected}"
                )


def test_state_table_lists_every_state(key):
    rows = _table(key, "state", "label", "English label")
    listed = {}
    for row in rows:
        values = CODE.findall(row["state"])
        assert len(values) == 1, f"one state per row: {row['state']!r}"
        assert LABEL.fullmatch(row["label"]), f"{values[0]}: label must read «…»"
        listed[values[0]] = row["English label"]
    assert listed == _choices(key)
