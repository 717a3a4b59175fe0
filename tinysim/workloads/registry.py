"""The workload registry: `WORKLOADS`, in the project's one registry idiom (tinysim.registry).

Iteration follows registration order (the four MLPerf Tiny workloads in their benchmark order:
kws01, vww01, ic01, ad01), because tables and default workload lists print in that order.
"""

from __future__ import annotations

from typing import Iterator

from tinysim.errors import ModelError
from tinysim.registry import Registry

from .entry import Workload


class WorkloadRegistry(Registry[Workload]):
    """A Registry of Workload entries, keyed by id, kept in registration order."""

    def __init__(self) -> None:
        super().__init__("workload")
        self._order: list[str] = []

    def add(self, name: str, item: Workload) -> Workload:
        if name != item.id:
            raise ValueError(f"workload registered as {name!r} but its id is {item.id!r}")
        super().add(name, item)
        self._order.append(name)
        return item

    def entry(self, workload: Workload) -> Workload:
        """Register `workload` under its own id (refuses a duplicate id)."""
        return self.add(workload.id, workload)

    def get(self, name: str) -> Workload:
        if name not in self:
            raise ModelError(f"unknown workload '{name}': expected one of {', '.join(self)}")
        return super().get(name)

    def remove(self, name: str) -> None:
        """Forget a workload (tests that register a temporary one clean up with this)."""
        self.get(name)
        del self._items[name]
        self._order.remove(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))


WORKLOADS = WorkloadRegistry()
