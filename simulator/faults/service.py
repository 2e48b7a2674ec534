"""Asking whether a fault fires: one small interface for the middleware and the domain.

A call site asks ``fire(site, operations, kinds, ...)`` naming the operations it serves and the
action types it can carry out (:func:`simulator.faults.actions.kinds`); a rule is counted only
by a call site that could act on it. The channel of the request being served (web, api, core;
none for processing jobs) comes from :mod:`simulator.faults.scope`. Counting happens in one write
transaction (``BEGIN IMMEDIATE`` on SQLite, row locks on PostgreSQL), so ``times`` and
``after`` are exact across threads and worker processes. ``probability`` draws from a
generator seeded by the site's reset seed, the rule and how many times it matched, so a run
repeats exactly. A rule added without an ``id`` gets one derived from its position and its
content (never a random one), so its draws repeat too.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from simulator.clock import Clock
from simulator.errors import NotFoundError
from simulator.faults.rules import FaultRuleError, FaultSpec
from simulator.faults.scope import current
from simulator.store.database import Database
from simulator.store.marker import ChangeMarker
from simulator.store.models import FaultRule, SiteState
from simulator.work import forget, remembered

fired_rule: ContextVar[str | None] = ContextVar("fired_rule", default=None)
RULES_KEY = "fault_rules_exist"


@dataclass(frozen=True)
class FiredFault:
    rule_id: str
    action: dict[str, Any]
    draw: float

    @property
    def kind(self) -> str:
        return str(self.action["type"])


def rule_json(rule: FaultRule) -> dict[str, Any]:
    return {
        "id": rule.rule_id,
        "site": rule.site,
        "operation": rule.operation,
        "match": rule.match or {},
        "action": rule.action,
        "probability": rule.probability,
        "times": rule.times,
        "after": rule.after,
        "matched": rule.matched,
        "fired": rule.fired,
    }


class FaultService:
    def __init__(
        self, database: Database, clock: Clock, marker: ChangeMarker | None = None
    ) -> None:
        """``marker``, shared by every process of a server, lets each keep "are there rules"."""
        self._database = database
        self._clock = clock
        self._marker = marker

    # -- managing rules -----------------------------------------------------------------------

    def add(self, spec: FaultSpec) -> dict[str, Any]:
        forget(RULES_KEY)
        added = self._insert(spec)
        self._rules_changed()
        return added

    def _insert(self, spec: FaultSpec) -> dict[str, Any]:
        with self._database.transaction() as session:
            rule_id = spec.rule_id or _derived_id(session, spec)
            if session.scalar(select(FaultRule.id).where(FaultRule.rule_id == rule_id)):
                raise FaultRuleError(f"id: a rule {rule_id!r} exists already.")
            rule = FaultRule(
                rule_id=rule_id,
                site=spec.site,
                operation=spec.operation,
                match=spec.match,
                action=spec.action,
                probability=spec.probability,
                times=spec.times,
                after=spec.after,
                matched=0,
                fired=0,
                created_at=self._clock.now(),
            )
            session.add(rule)
            session.flush()
            return rule_json(rule)

    def rules(self, site: str | None = None) -> list[dict[str, Any]]:
        with self._database.reading() as session:
            return [rule_json(rule) for rule in _rules(session, site)]

    def remove(self, rule_id: str) -> None:
        forget(RULES_KEY)
        with self._database.transaction() as session:
            removed = session.execute(delete(FaultRule).where(FaultRule.rule_id == rule_id))
            if not getattr(removed, "rowcount", 0):
                raise NotFoundError(f"There is no fault rule {rule_id!r}.")
        self._rules_changed()

    def clear(self, site: str | None = None) -> None:
        forget(RULES_KEY)
        statement = delete(FaultRule)
        if site is not None:
            statement = statement.where(FaultRule.site == site)
        with self._database.transaction() as session:
            session.execute(statement)
        self._rules_changed()

    def _rules_changed(self) -> None:
        if self._marker is not None:
            self._marker.changed()

    # -- firing -------------------------------------------------------------------------------

    def fire(
        self,
        site: str,
        operations: tuple[str | None, ...],
        kinds: Iterable[str],
        *,
        user_id: str | None = None,
        provider_id: str | None = None,
        transaction_type: str | None = None,
    ) -> FiredFault | None:
        """The fault that fires for this request, if any; it is counted and journaled.

        ``operations`` are what the call site serves (the accounts service checks credentials
        for ``login`` and for the request's own operation); ``None`` stands for a request
        with no operation, which only rules on ``any`` match.
        """
        if not remembered(RULES_KEY, self._any_rules):
            return None
        wanted = frozenset(kinds)
        serving = frozenset(operations)
        facts = {
            "user_id": user_id,
            "provider_id": provider_id,
            "transaction_type": transaction_type,
            "channel": current().channel,
        }
        with self._database.reading() as session:
            if not any(
                self._applies(rule, serving, wanted, facts)
                for rule in _rules(session, site, include_shared=True)
            ):
                return None
        with self._database.transaction() as session:
            for rule in _rules(session, site, include_shared=True):
                if not self._applies(rule, serving, wanted, facts):
                    continue
                rule.matched += 1
                if rule.after is not None and rule.matched <= rule.after:
                    continue
                draw = _draw(session, site, rule)
                if rule.probability is not None and draw >= rule.probability:
                    continue
                rule.fired += 1
                fired_rule.set(rule.rule_id)
                return FiredFault(rule.rule_id, dict(rule.action), draw)
        return None

    def _any_rules(self) -> bool:
        """Most requests meet no rule at all: the marker or one tiny query says so."""
        if self._marker is None:
            return self._query_any_rules()
        return self._marker.kept(RULES_KEY, self._query_any_rules)

    def _query_any_rules(self) -> bool:
        with self._database.engine.connect() as connection:
            return connection.execute(select(FaultRule.id).limit(1)).first() is not None

    @staticmethod
    def _applies(
        rule: FaultRule,
        operations: frozenset[str | None],
        kinds: frozenset[str],
        facts: dict[str, str | None],
    ) -> bool:
        if rule.times is not None and rule.fired >= rule.times:
            return False
        if rule.action.get("type") not in kinds:
            return False
        if rule.operation != "any" and rule.operation not in operations:
            return False
        return all(facts.get(key) == value for key, value in (rule.match or {}).items())


def _rules(session: Session, site: str | None, include_shared: bool = False) -> list[FaultRule]:
    statement = select(FaultRule).order_by(FaultRule.id)
    if site is not None:
        condition = FaultRule.site == site
        statement = statement.where(
            or_(condition, FaultRule.site.is_(None)) if include_shared else condition
        )
    return list(session.scalars(statement))


def _derived_id(session: Session, spec: FaultSpec) -> str:
    """An id from the rule's position and content: the same rules added give the same ids.

    The id seeds the rule's probability draws, so a random one would make every run differ.
    """
    position = session.scalar(select(func.count(FaultRule.id))) or 0
    content = json.dumps(
        [
            spec.site,
            spec.operation,
            spec.match,
            spec.action,
            spec.probability,
            spec.times,
            spec.after,
        ],
        sort_keys=True,
    )
    while True:
        position += 1
        digest = hashlib.sha256(f"{position}:{content}".encode()).hexdigest()[:8]
        rule_id = f"fault-{digest}"
        if session.scalar(select(FaultRule.id).where(FaultRule.rule_id == rule_id)) is None:
            return rule_id


def _draw(session: Session, site: str, rule: FaultRule) -> float:
    """The rule's n-th random draw: the same n-th draw after every reset with the same seed."""
    state = session.get(SiteState, site)
    seed = state.seed if state is not None else 0
    return random.Random(f"{seed}:{rule.rule_id}:{rule.matched}").random()
