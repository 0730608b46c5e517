"""Saving and loading models: round trips, atomic writes, corrupt and mismatched files."""

import json
import os
import pickle

import pytest

from tinygrad_lite import Value, manual_seed, nn, optim
from tinygrad_lite.nn import StateDictError
import tinygrad_lite.nn.module as module_file


def model(seed):
    manual_seed(seed)
    return nn.Sequential(nn.Conv1d(1, 2, 2), nn.Flatten(), nn.Dense(4, 3, activation="tanh"),
                         nn.Dense(3, 1))


def test_round_trip(tmp_path):
    path = str(tmp_path / "m.json")
    a, b = model(1), model(2)
    assert a.state_dict() != b.state_dict()
    a.save(path)
    b.load(path)
    assert a.state_dict() == b.state_dict()
    document = json.loads(open(path, encoding="utf-8").read())
    assert document["format"] == "tinygrad_lite.state_dict" and document["version"] == 1
    assert document["shapes"] == {"0.weight": [2, 1, 2], "0.bias": [2], "2.weight": [3, 4],
                                  "2.bias": [3], "3.weight": [1, 3], "3.bias": [1]}


def test_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = str(tmp_path / "m.json")
    model(1).save(path)
    before = open(path, encoding="utf-8").read()

    def crash(fd):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(module_file.os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        model(2).save(path)
    assert open(path, encoding="utf-8").read() == before
    assert os.listdir(tmp_path) == ["m.json"]           # no temporary file left behind


@pytest.mark.parametrize("content, message", [
    ('{"format": "tinygrad_lite.state_dict", "version": 1, "state_di', "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply to read"),
    ('[1, 2, 3]', "not a tinygrad_lite.state_dict file"),
    ('{"format": "tinygrad_lite.state_dict", "version": 99}', "format version 99"),
])
def test_corrupt_files_are_clear_errors_and_change_nothing(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    m = model(1)
    before = m.state_dict()
    with pytest.raises(StateDictError, match=message):
        m.load(str(path))
    assert m.state_dict() == before


def test_a_pickle_is_never_unpickled(tmp_path):
    path = tmp_path / "evil.json"
    path.write_bytes(pickle.dumps({"state_dict": {}}))
    with pytest.raises(StateDictError, match="a binary file|not UTF-8 text|not valid JSON"):
        model(1).load(str(path))


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        model(1).load("/nonexistent/m.json")


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("2.bias"), "missing 2.bias"),
    (lambda s: s.update({"9.weight": [1.0]}), "unexpected 9.weight"),
    (lambda s: s.update({"2.weight": [[0.0] * 4] * 2}), r"2.weight has 2 entries, not 3 "
                                                        r"\(expected shape \[3, 4\]\)"),
    # ragged rows: a short row, a long row, a list nested in a row, a number for a row
    (lambda s: s["2.weight"].__setitem__(1, [1.0, 2.0]), r"2.weight\[1\] has 2 entries, not 4"),
    (lambda s: s["2.weight"].__setitem__(2, [1.0] * 5), r"2.weight\[2\] has 5 entries, not 4"),
    (lambda s: s["2.weight"][0].__setitem__(1, [1.0, 2.0]),
     r"2.weight\[0\]\[1\] is a list where a number belongs"),
    (lambda s: s["2.weight"].__setitem__(0, 1.0), r"2.weight\[0\] is 1.0 where a list of 4"),
    (lambda s: s.update({"3.bias": 1.0}), r"3.bias is 1.0 where a list of 1 belongs"),
    (lambda s: s["2.weight"][1].__setitem__(3, None), r"2.weight\[1\]\[3\] is None, not a number"),
    (lambda s: s["2.weight"][1].__setitem__(3, True), r"2.weight\[1\]\[3\] is True, not a number"),
    (lambda s: s["3.bias"].__setitem__(0, "x"), r"3.bias\[0\] is 'x', not a number"),
])
def test_mismatched_state_dicts_are_refused_whole(change, message):
    m = model(1)
    before = m.state_dict()
    state = model(2).state_dict()
    change(state)
    with pytest.raises(StateDictError, match=message):
        m.load_state_dict(state)
    assert m.state_dict() == before       # not even the entries before the bad one changed


def test_state_dict_keys_follow_pytorch():
    assert list(nn.Sequential(nn.Dense(2, 2), nn.ReLU(), nn.Dense(2, 1)).state_dict()) == \
        ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assigning_a_parameter_registers_the_new_values():
    layer = nn.Dense(2, 1)
    new_bias = [Value(100.0)]
    layer.bias = new_bias
    assert layer.parameters()[-1] is new_bias[0]
    assert layer.state_dict()["bias"] == [100.0]
    out = layer([0.0, 0.0])
    out = out[0] if isinstance(out, list) else out
    out.backward()
    assert out.data == 100.0 and new_bias[0].grad == 1.0
    opt = optim.SGD(layer.parameters(), lr=0.5)
    opt.step()
    assert new_bias[0].data == 99.5


def test_assigning_a_parameter_something_else_is_refused():
    layer = nn.Dense(2, 1)
    with pytest.raises(AttributeError, match="is a parameter"):
        layer.bias = 3.0
    with pytest.raises(TypeError, match=r"entry \[0\] is float, not a Value"):
        layer.bias = [3.0]
    assert isinstance(layer.bias[0], Value) and layer.parameters()[-1] is layer.bias[0]


def test_save_keeps_an_existing_files_mode(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{}", encoding="utf-8")
    os.chmod(path, 0o644)
    model(1).save(str(path))
    assert os.stat(path).st_mode & 0o777 == 0o644
    fresh = tmp_path / "new.json"
    model(1).save(str(fresh))
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(fresh).st_mode & 0o777 == 0o666 & ~mask     # not mkstemp's 0600


def test_save_follows_a_symlink_and_keeps_it(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("{}", encoding="utf-8")
    link = tmp_path / "link.json"
    os.symlink(target, link)
    model(1).save(str(link))
    assert os.path.islink(link)
    assert model(2).load(str(link)).state_dict() == model(1).state_dict()


@pytest.mark.parametrize("where", ["directory", "pipe"])
def test_save_refuses_what_is_not_a_regular_file_and_leaves_nothing(tmp_path, where):
    # a named pipe stands in for a device node: not a regular file, and safe to test with
    from tinygrad_lite.files import FileProblem
    path = tmp_path / "target"
    os.mkdir(path) if where == "directory" else os.mkfifo(path)
    with pytest.raises(FileProblem, match="not a regular file"):
        model(1).save(str(path))
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".tmp-")]
    assert not os.path.isfile(path)                  # still the directory or the pipe


def test_load_refuses_an_endless_file_quickly():
    with pytest.raises(StateDictError, match="larger than the limit|a binary file"):
        model(1).load("/dev/zero")
