"""A small declarative schema language: one definition both validates located YAML and writes JSON Schema."""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass

from .errors import Diagnostics, describe, did_you_mean
from .yamlsource import Document, key_path

LANGUAGE = re.compile(r"^[a-z]{2}$")


class Type:
    """A schema type: `expected` says what it accepts, in words for messages."""

    expected = "a value"

    def check(self, value, parts, doc: Document, diags: Diagnostics) -> bool:
        if not self.accepts(value):
            diags.error(doc.loc(parts), f"expected {self.expected}, got {describe(value)}")
            return False
        return True

    def accepts(self, value) -> bool:
        raise NotImplementedError

    def json(self) -> dict:
        raise NotImplementedError


class Str(Type):
    def __init__(self, pattern: str | None = None, expected: str = "a string", min_length: int = 1,
                 max_length: int | None = None):
        self.pattern = re.compile(pattern) if pattern else None
        self.expected = expected
        self.min_length, self.max_length = min_length, max_length

    def accepts(self, value):
        return (isinstance(value, str) and len(value.strip()) >= self.min_length
                and (self.max_length is None or len(value) <= self.max_length)
                and (self.pattern is None or bool(self.pattern.fullmatch(value))))

    def json(self):
        schema = {"type": "string", "minLength": self.min_length}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.pattern:
            schema["pattern"] = f"^(?:{self.pattern.pattern})$"
        return schema


class Number(Type):
    def __init__(self, minimum=None, maximum=None, exclusive_minimum=None, integer=False):
        self.minimum, self.maximum, self.exclusive_minimum, self.integer = minimum, maximum, exclusive_minimum, integer
        bounds = []
        if exclusive_minimum is not None:
            bounds.append(f"> {exclusive_minimum}")
        if minimum is not None:
            bounds.append(f"≥ {minimum}")
        if maximum is not None:
            bounds.append(f"≤ {maximum}")
        noun = "an integer" if integer else "a number"
        self.expected = f"{noun} {' and '.join(bounds)}".strip()

    def accepts(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        return ((self.minimum is None or value >= self.minimum)
                and (self.maximum is None or value <= self.maximum)
                and (self.exclusive_minimum is None or value > self.exclusive_minimum))

    def json(self):
        schema = {"type": "integer" if self.integer else "number"}
        for key, bound in (("minimum", self.minimum), ("maximum", self.maximum),
                           ("exclusiveMinimum", self.exclusive_minimum)):
            if bound is not None:
                schema[key] = bound
        return schema


def Int(minimum=None, maximum=None):
    return Number(minimum, maximum, integer=True)


class Bool(Type):
    expected = "true or false"

    def accepts(self, value):
        return isinstance(value, bool)

    def json(self):
        return {"type": "boolean"}


class Date(Type):
    """A day of a course's calendar: from 1970 (an LMS such as Moodle stores dates as seconds since its start) to
    2999, so that a course's weeks, however many a file can list, stay within the calendar's years."""

    expected = "a date YYYY-MM-DD"
    EARLIEST, LATEST = datetime.date(1970, 1, 1), datetime.date(2999, 12, 31)

    def check(self, value, parts, doc: Document, diags: Diagnostics) -> bool:
        if not super().check(value, parts, doc, diags):
            return False
        day = datetime.date.fromisoformat(value) if isinstance(value, str) else value
        if not self.EARLIEST <= day <= self.LATEST:
            diags.error(doc.loc(parts), f"expected a date from {self.EARLIEST} to {self.LATEST}, got {day}")
            return False
        return True

    def accepts(self, value):
        if isinstance(value, str):
            try:
                datetime.date.fromisoformat(value)
                return len(value) == 10
            except ValueError:
                return False
        return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)

    def json(self):
        return {"type": "string", "format": "date", "pattern": r"^(?:19[7-9]\d|2\d{3})-\d{2}-\d{2}$"}


class Enum(Type):
    def __init__(self, *values):
        self.values = values
        self.expected = "one of " + ", ".join(map(str, values))

    def accepts(self, value):
        return any(value == v and type(value) is type(v) for v in self.values)

    def check(self, value, parts, doc, diags):
        if not self.accepts(value):
            hint = did_you_mean(value, self.values) if isinstance(value, str) else ""
            diags.error(doc.loc(parts), f"expected {self.expected}, got {describe(value)}{hint}")
            return False
        return True

    def json(self):
        return {"enum": list(self.values)}


class Text(Type):
    """Human text: a plain string (English) or a map of language code to string with `en` present."""

    def __init__(self, expected: str = "a text (a string, or a map of language code to string with 'en')"):
        self.expected = expected

    def accepts(self, value):
        if isinstance(value, str):
            return bool(value.strip())
        return (isinstance(value, dict) and "en" in value
                and all(isinstance(k, str) and LANGUAGE.match(k) and isinstance(v, str) and v.strip()
                        for k, v in value.items()))

    def check(self, value, parts, doc, diags):
        if isinstance(value, dict) and "en" in value:
            ok = True
            for lang, text in value.items():
                if not (isinstance(lang, str) and LANGUAGE.match(lang)):
                    diags.error(doc.loc(parts + (lang,), key=True),
                                f"expected a two-letter language code, got {describe(lang)}")
                    ok = False
                elif not (isinstance(text, str) and text.strip()):
                    diags.error(doc.loc(parts + (lang,)), f"expected a non-empty string, got {describe(text)}")
                    ok = False
                elif lang != "en":
                    doc.languages.setdefault(lang, parts + (lang,))
            return ok
        return super().check(value, parts, doc, diags)

    def json(self):
        return {"anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "object", "required": ["en"],
             "propertyNames": {"pattern": LANGUAGE.pattern},
             "additionalProperties": {"type": "string", "minLength": 1}},
        ]}


class List(Type):
    def __init__(self, item: Type, min_items: int = 0, max_items: int | None = None):
        self.item, self.min_items, self.max_items = item, min_items, max_items
        self.expected = f"a list of {item.expected}" if not isinstance(item, Obj) else "a list"
        if min_items:
            self.expected += f" (at least {min_items})"

    def check(self, value, parts, doc, diags):
        if not isinstance(value, list):
            diags.error(doc.loc(parts), f"expected {self.expected}, got {describe(value)}")
            return False
        ok = True
        if len(value) < self.min_items:
            diags.error(doc.loc(parts), f"expected at least {self.min_items} items, got {len(value)}")
            ok = False
        if self.max_items is not None and len(value) > self.max_items:
            diags.error(doc.loc(parts), f"expected at most {self.max_items} items, got {len(value)}")
            ok = False
        for i, item in enumerate(value):
            ok = self.item.check(item, parts + (i,), doc, diags) and ok
        return ok

    def json(self):
        schema = {"type": "array", "items": self.item.json()}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        return schema


@dataclass(frozen=True)
class F:
    """A field of an object: its type, whether it must be present, and what it means."""

    type: Type
    required: bool = True
    doc: str = ""


class Obj(Type):
    expected = "a mapping of keys"

    def __init__(self, title: str, fields: dict[str, F]):
        self.title, self.fields = title, fields

    def check(self, value, parts, doc, diags):
        if not isinstance(value, dict):
            diags.error(doc.loc(parts), f"expected {self.title} (a mapping of keys), got {describe(value)}")
            return False
        ok = True
        suggested = set()
        for key in value:
            if key not in self.fields:
                hint = did_you_mean(key, self.fields)
                suggested |= {name for name in self.fields if hint == f" (did you mean '{name}'?)"}
                if value[key] is None and " " in str(key).strip():
                    hint += ("; a comma inside {…} or an unquoted ': ' split a text into keys: "
                             "put that text in quotes")
                diags.error(doc.loc(parts + (key,), key=True),
                            f"expected one of the keys {', '.join(self.fields)}, got unknown key '{key}'{hint}")
                ok = False
        for key, spec in self.fields.items():
            if key in value:
                ok = spec.type.check(value[key], parts + (key,), doc, diags) and ok
            elif spec.required and key not in suggested:
                diags.error(doc.loc(parts).at(_join(parts, key)),
                            f"expected {spec.type.expected}, got nothing; add '{key}:'")
                ok = False
        return ok

    def json(self):
        return {
            "type": "object",
            "title": self.title,
            "properties": {k: {**f.type.json(), **({"description": f.doc} if f.doc else {})}
                           for k, f in self.fields.items()},
            "required": [k for k, f in self.fields.items() if f.required],
            "additionalProperties": False,
        }


def _join(parts, key):
    return key_path(tuple(parts) + (key,))


class Tagged(Type):
    """One of several object shapes chosen by the value of a discriminating key (e.g. a question's `type`)."""

    def __init__(self, key: str, variants: dict[str, Obj]):
        self.key, self.variants = key, variants
        self.expected = f"a mapping with '{key}: {'|'.join(variants)}'"

    def check(self, value, parts, doc, diags):
        if not isinstance(value, dict):
            diags.error(doc.loc(parts), f"expected {self.expected}, got {describe(value)}")
            return False
        tag = value.get(self.key)
        if not isinstance(tag, str) or tag not in self.variants:
            where = doc.loc(parts + (self.key,)) if self.key in value else doc.loc(parts).at(_join(parts, self.key))
            hint = did_you_mean(tag, self.variants) if isinstance(tag, str) else ""
            diags.error(where, f"expected one of {', '.join(self.variants)}, got {describe(tag)}{hint}")
            return False
        return self.variants[tag].check(value, parts, doc, diags)

    def json(self):
        branches = []
        for tag, obj in self.variants.items():
            schema = obj.json()
            schema["properties"][self.key] = {"const": tag}
            branches.append({"if": {"properties": {self.key: {"const": tag}}, "required": [self.key]},
                             "then": schema})
        return {"type": "object", "required": [self.key],
                "properties": {self.key: {"enum": list(self.variants)}}, "allOf": branches}


class AnyOf(Type):
    """The first of several types that accepts the value; a mapping is checked (and reported) as the Obj among them."""

    def __init__(self, expected: str, *types: Type):
        self.types, self.expected = types, expected

    def check(self, value, parts, doc, diags):
        for type_ in self.types:
            if isinstance(type_, Obj) and isinstance(value, dict):
                return type_.check(value, parts, doc, diags)
            if not isinstance(type_, Obj) and type_.accepts(value):
                return True
        diags.error(doc.loc(parts), f"expected {self.expected}, got {describe(value)}")
        return False

    def json(self):
        return {"anyOf": [t.json() for t in self.types]}


def json_schema(obj: Obj, name: str) -> dict:
    """The JSON Schema document for one kind of source file."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{name}.schema.json", **obj.json()}
