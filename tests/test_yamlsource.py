"""Stage 1, reading YAML: locations, and refusal of what a safe loader must not accept."""

from __future__ import annotations

import datetime
import pickle

from hypothesis import given, settings, strategies as st

from musa.errors import Diagnostics, Loc
from musa.yamlsource import MAX_DIGITS, MAX_FILE_BYTES, load_yaml


def load(tmp_path, text: str | bytes):
    path = tmp_path / "doc.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    diags = Diagnostics()
    return load_yaml(path, "doc.yaml", diags), [d.format() for d in diags.sorted()]


def test_values_keep_their_line_and_column(tmp_path):
    doc, messages = load(tmp_path, "a: 1\nb:\n  - x\n  - {c: 2019-09-16}\n")
    assert messages == []
    assert doc.data == {"a": 1, "b": ["x", {"c": datetime.date(2019, 9, 16)}]}
    loc = doc.loc(("b", 1, "c"))
    assert (loc.line, loc.col, loc.where) == (4, 9, "b[1].c")
    assert doc.loc(("b", 1, "c"), key=True).col == 6


def test_a_pickled_document_unpacks_its_marks_only_when_a_location_is_asked_for(tmp_path):
    doc, _ = load(tmp_path, "a: 1\nb:\n  - x\n  - {c: 2019-09-16}\n")
    places = [(), ("a",), ("b",), ("b", 0), ("b", 1), ("b", 1, "c"), ("b", 7), ("nowhere", 3)]
    again = pickle.loads(pickle.dumps(doc))
    assert again.data == doc.data and again.marks._packed is not None  # still one blob
    assert again.key_loc(("b", 1, "c")) == Loc("doc.yaml", 0, 0, "b[1].c")  # the model's: no line needed
    assert again.marks._packed is not None
    assert [again.loc(p) for p in places] == [doc.loc(p) for p in places]
    assert again.marks._packed is None and again == doc
    assert [again.loc(p, key=True) for p in places] == [doc.loc(p, key=True) for p in places]
    twice = pickle.loads(pickle.dumps(pickle.loads(pickle.dumps(doc))))  # packed again as it came
    assert twice == doc


def test_duplicate_key_in_nested_mapping(tmp_path):
    doc, messages = load(tmp_path, "outer:\n  k: 1\n  k: 2\n")
    assert doc is None
    assert messages == ["doc.yaml:3:3: outer.k: duplicate key 'k' (first at line 2); keep one"]


def test_aliases_within_budget_are_expanded(tmp_path):
    doc, messages = load(tmp_path, "a: &x [1, 2]\nb: *x\n")
    assert messages == [] and doc.data == {"a": [1, 2], "b": [1, 2]}


def test_alias_bomb_is_refused(tmp_path):
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    doc, messages = load(tmp_path, "\n".join(lines) + "\n")
    assert doc is None
    assert messages == ["doc.yaml:1:1: expected at most 100000 values, got more (aliases expand too far); "
                        "write the content out without '*' aliases"]


def test_python_tags_are_refused_not_run(tmp_path):
    doc, messages = load(tmp_path, "x: !!python/object/apply:os.system ['touch pwned']\n")
    assert doc is None and not (tmp_path / "pwned").exists()
    assert "got the tag '!!python/object/apply:os.system'" in messages[0]


def test_file_over_size_limit_is_refused(tmp_path):
    doc, messages = load(tmp_path, "x: " + "a" * MAX_FILE_BYTES + "\n")
    assert doc is None
    assert messages[0].startswith(f"doc.yaml: expected a file of at most {MAX_FILE_BYTES} bytes")


def test_empty_file(tmp_path):
    doc, messages = load(tmp_path, "# only a comment\n")
    assert doc is None and messages == ["doc.yaml:1:1: expected a mapping of keys, got an empty file"]


def test_an_integer_no_message_could_print_is_refused_where_it_stands(tmp_path):
    longest = "9" * MAX_DIGITS
    text = f"a: {longest}\nb: -{longest}9\nc: [{'9' * 5000}]\nd: 0x{'f' * 5000}\n"  # Python reads 4,300 digits
    doc, messages = load(tmp_path, text)
    refused = "expected a number of at most 100 digits, got a longer one"
    assert doc is None
    assert messages == [f"doc.yaml:2:4: b: {refused}", f"doc.yaml:3:5: c[0]: {refused}",
                        f"doc.yaml:4:4: d: {refused}"]
    assert load(tmp_path, f"a: {longest}\n")[0].data == {"a": int(longest)}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!#|>'\"\n ,?%@`1.")), max_size=80))
def test_any_text_gives_data_or_located_errors_never_an_exception(tmp_path_factory, text):
    tmp = tmp_path_factory.mktemp("fuzz")
    doc, messages = load(tmp, text)
    assert doc is not None or messages
    assert all(m.startswith("doc.yaml") for m in messages)
