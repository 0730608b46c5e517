"""Grad mode belongs to a thread (as in PyTorch), and refused exponents and slopes say why."""

import math
import threading

import pytest

from tinygrad_lite import Value, no_grad, enable_grad, is_grad_enabled


def test_no_grad_in_one_thread_does_not_stop_another_from_recording():
    inside = threading.Event()
    done = threading.Event()

    def hold_no_grad():
        with no_grad():
            inside.set()
            done.wait(5)

    worker = threading.Thread(target=hold_no_grad)
    worker.start()
    try:
        assert inside.wait(5)
        x = Value(3.0)
        z = x * x * 5                  # dz/dx = 10x = 30
        z.backward()
        assert is_grad_enabled()
        assert x.grad == 30.0
    finally:
        done.set()
        worker.join()


def test_overlapping_blocks_in_two_threads_leave_recording_on():
    # Thread A enters, thread B enters, A leaves, B leaves: with one global flag the last
    # exit restored A's "off" and recording stayed off for good.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with no_grad():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b():
        a_in.wait(5)
        with no_grad():
            b_in.set()
            a_out.wait(5)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert is_grad_enabled()
    x = Value(2.0)
    y = x * x
    assert not y.is_leaf
    y.backward()
    assert x.grad == 4.0


def test_a_new_thread_records_and_sees_its_own_mode():
    seen = {}

    def work():
        seen["start"] = is_grad_enabled()
        with no_grad():
            seen["inside"] = is_grad_enabled()
            with enable_grad():
                seen["enabled"] = is_grad_enabled()
        seen["end"] = is_grad_enabled()

    with no_grad():
        t = threading.Thread(target=work)
        t.start()
        t.join()
        assert not is_grad_enabled()
    assert seen == {"start": True, "inside": False, "enabled": True, "end": True}


def test_a_shared_no_grad_instance_nests_and_is_used_by_several_threads():
    block = no_grad()
    with block:
        with block:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


@pytest.mark.parametrize("exponent", [math.nan, math.inf, -math.inf])
def test_a_non_finite_exponent_is_refused_with_a_reason(exponent):
    with pytest.raises(ValueError, match="exponent must be a finite number"):
        Value(2.0) ** exponent


def test_a_non_finite_leaky_relu_slope_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="slope must be a finite number"):
        Value(1.0).leaky_relu(math.nan)


def test_a_nan_input_to_leaky_relu_propagates_as_nan():
    assert math.isnan(Value(math.nan).leaky_relu().data)
