"""lazy_gc: the collector's threshold raised inside the block only, restored after it."""

import gc

import pytest

from tinygrad_lite import Value, lazy_gc


def test_the_threshold_is_raised_inside_and_restored_after():
    before = gc.get_threshold()
    with lazy_gc(50_000):
        inside = gc.get_threshold()
    assert inside == (max(50_000, before[0]),) + before[1:]
    assert gc.get_threshold() == before


def test_it_is_restored_after_an_exception_and_when_nested():
    before = gc.get_threshold()
    outer = lazy_gc(20_000)
    with pytest.raises(KeyError):
        with outer:
            with lazy_gc(200_000):
                assert gc.get_threshold()[0] == max(200_000, before[0])
            assert gc.get_threshold()[0] == max(20_000, before[0])
            with outer:                        # the same instance again: re-entrant
                assert gc.get_threshold()[0] == max(20_000, before[0])
            raise KeyError("out")
    assert gc.get_threshold() == before


def test_a_lower_threshold_never_makes_the_collector_run_more_often():
    before = gc.get_threshold()
    gc.set_threshold(5_000, *before[1:])
    try:
        with lazy_gc(1_000):
            assert gc.get_threshold()[0] == 5_000
    finally:
        gc.set_threshold(*before)


def test_as_a_decorator_the_gradients_are_the_same():
    @lazy_gc()
    def step(x):
        y = x
        for _ in range(1_000):
            y = (y * 0.999 + 0.001).tanh()
        y.backward()
        return gc.get_threshold()[0]

    before = gc.get_threshold()
    x = Value(0.5)
    assert step(x) >= 100_000 and step.__name__ == "step"
    expected = Value(0.5)
    y = expected
    for _ in range(1_000):
        y = (y * 0.999 + 0.001).tanh()
    y.backward()
    assert x.grad == expected.grad
    assert gc.get_threshold() == before


@pytest.mark.parametrize("bad", [0, -5, 2.5, "100", None, True])
def test_a_bad_threshold_is_refused(bad):
    with pytest.raises(ValueError, match=r"lazy_gc\(threshold="):
        lazy_gc(bad)
