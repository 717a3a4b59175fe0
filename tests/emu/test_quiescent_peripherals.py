"""The run loop leaves quiescent peripherals (a stopped timer) out of its walk at every stop
(Machine._time_fns). Safe only if a quiescent model really has nothing to do whatever the time,
and if every way out of quiescence reaches the machine; both are checked here."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tinysim.emu.peripherals as models
from tinysim.emu.peripherals.base import NullHost, Peripheral
from tinysim.pipeline.session import build_session

BOARD = "nucleo-l4r5zi"


def _live(machine):
    return {f.__self__ for f in machine._time_fns()[1]}


def _quiescent_models():
    """Every peripheral model that can declare itself quiescent (all model modules imported)."""
    for info in pkgutil.walk_packages(models.__path__, models.__name__ + "."):
        importlib.import_module(info.name)
    found, todo = [], [Peripheral]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.quiescent is not Peripheral.quiescent:
                found.append(sub)
    return sorted(set(found), key=lambda c: c.__qualname__)


def test_the_stopped_timers_are_the_quiescent_models():
    names = {c.__name__ for c in _quiescent_models()}
    assert {"Stm32Tim", "Stm32Lptim", "SysTick"} <= names


@pytest.mark.parametrize("cls", _quiescent_models(), ids=lambda c: c.__name__)
def test_a_quiescent_model_has_no_event_and_its_tick_changes_nothing(cls):
    p = cls("p", 0x40000000, 0x400, host=NullHost(), params={}, irq=3)
    assert p.quiescent(), f"{cls.__name__} is not quiescent after reset"
    before = dict(p.values), dict(vars(p))
    for now in (0, 1, 10_000, 1 << 32):
        p.host.cycles = now
        assert p.next_event(now) is None
        p.tick(now)
    assert (dict(p.values), dict(vars(p))) == before
    assert p.quiescent()


def test_the_walk_takes_in_a_timer_started_by_a_write_or_a_set(fw):
    m = build_session(fw("tim16"), BOARD).machine
    tim2, tim3 = m.peripherals["tim2"], m.peripherals["tim3"]
    live = _live(m)
    assert tim2 not in live and tim3 not in live          # stopped after reset
    assert m.peripherals["lpuart1"] in live and m.wires in live
    tim2.reg_write("DIER", 1)                             # UIE
    tim2.reg_write("ARR", 999)
    tim2.reg_write("CR1", 1)                              # CEN: write() reports it (timers_changed)
    assert tim2 in _live(m)
    assert m.next_event() == m.now() + 1000               # its update event is seen
    m.advance_to(m.now() + 5000)
    m.tick()
    assert tim2.values[0x10] & 1                          # it was ticked: UIF
    tim3.set("DIER", 1)
    tim3.set("CR1", 1)                                    # a set bypasses write(): registers_set
    assert tim3 in _live(m)
    due = tim3.next_event(m.now())
    assert due is not None and m.next_event() <= due
