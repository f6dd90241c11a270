"""Staff forms' error messages name each box by its label, in GOV.UK's words, never by our own name for it.

Each form is fetched as the page a member of staff sees, sent back with every box emptied and then
with nonsense typed in, and every message in the error summary must use the words of the label
(or fieldset legend) of the box it links to, and no ``snake_case`` name. The records behind each
page come from the security tests' world (tests/security/conftest.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx
import pytest
from starlette.applications import Starlette

from shortbreaks.accounts.auth import SESSION_COOKIE
from tests.security.conftest import World, build_world

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
NONSENSE = "x!"


@dataclass
class Control:
    tag: str
    name: str
    type: str
    value: str
    id: str
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    controls: list[Control] = field(default_factory=list)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (text, name, value)


class Page(HTMLParser):
    """The forms of a page, the text of each label and legend, and the error summary's links."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.labels: dict[str, str] = {}  # control id -> label text, or its fieldset's legend
        self.summary: list[tuple[str, str]] = []  # (linked id, message)
        self._form: Form | None = None
        self._text: list[str] | None = None
        self._into: tuple[str, str] | None = None  # ("label", for) / ("legend", "") / ("summary", href) / ("button", ...)
        self._fieldsets: list[dict[str, object]] = []
        self._in_summary = False
        self._button: tuple[str, str] | None = None
        self._select: Control | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""))
            self.forms.append(self._form)
        elif tag == "fieldset":
            self._fieldsets.append({"legend": "", "ids": []})
        elif tag == "legend" and self._fieldsets:
            self._into, self._text = ("legend", ""), []
        elif tag == "label":
            self._into, self._text = ("label", a.get("for", "")), []
        elif tag == "ul" and "govuk-error-summary__list" in a.get("class", "").split():
            self._in_summary = True
        elif tag == "a" and self._in_summary and a.get("href", "").startswith("#"):
            self._into, self._text = ("summary", a["href"][1:]), []
        elif tag == "button" and self._form is not None:
            self._button, self._text = (a.get("name", ""), a.get("value", "")), []
        elif tag in ("input", "textarea", "select") and self._form is not None:
            control = Control(tag, a.get("name", ""), a.get("type", tag), a.get("value", ""), a.get("id", ""))
            if tag == "input" and control.type == "submit":
                self._form.buttons.append((control.value, control.name, control.value))
                return
            if control.type in ("checkbox", "radio") and "checked" not in a:
                control.value = ""
            self._form.controls.append(control)
            if self._fieldsets and control.id:
                ids = self._fieldsets[-1]["ids"]
                assert isinstance(ids, list)
                ids.append(control.id)
            if tag == "select":
                self._select = control
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        text = " ".join("".join(self._text or []).split())
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "legend" and self._into and self._into[0] == "legend":
            self._fieldsets[-1]["legend"] = text
            self._into = self._text = None
        elif tag == "label" and self._into and self._into[0] == "label":
            self.labels.setdefault(self._into[1], text)
            self._into = self._text = None
        elif tag == "a" and self._into and self._into[0] == "summary":
            self.summary.append((self._into[1], text))
            self._into = self._text = None
        elif tag == "button" and self._button is not None and self._form is not None:
            self._form.buttons.append((text, *self._button))
            self._button = self._text = None
        elif tag == "fieldset" and self._fieldsets:
            done = self._fieldsets.pop()
            ids = done["ids"]
            assert isinstance(ids, list)
            for control_id in ids:
                # A box in a group is named by the group's legend (the error links to its first box).
                self.labels[str(control_id)] = str(done["legend"])
        elif tag == "ul":
            self._in_summary = False

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def form_with(self, button: str) -> tuple[Form, tuple[str, str, str]]:
        for form in self.forms:
            for b in form.buttons:
                if b[0].startswith(button):
                    return form, b
        raise AssertionError(f"no form with a {button!r} button")


def _payload(form: Form, button: tuple[str, str, str], fill: str | None) -> dict[str, list[str]]:
    data: list[tuple[str, str]] = []
    for c in form.controls:
        if c.type == "hidden":
            data.append((c.name, c.value))
        elif c.type in ("checkbox", "radio"):
            continue  # nothing ticked
        elif c.tag == "select":
            data.append((c.name, "" if fill is None else NONSENSE))
        elif c.type != "file":
            data.append((c.name, "" if fill is None else fill))
    if button[1]:
        data.append((button[1], button[2]))
    out: dict[str, list[str]] = {}
    for name, value in data:
        out.setdefault(name, []).append(value)
    return out


# Words that carry no meaning of their own: a message need not repeat them.
STOP_WORDS = frozenset(
    re.findall(r"[a-z]+", "a an and are at by each for from how in is it many may of on or per the this to was with within you your")
)


def _stem(word: str) -> str:
    return word.removesuffix("'s").removesuffix("s")


def label_words(label: str) -> set[str]:
    """The words of a label that a message about it must use: its qualifiers in brackets ("(optional)",
    "(hours)") and after a comma (", in pounds") are left out, plurals are taken as singular."""
    main = re.sub(r"\([^)]*\)", "", label).split(",")[0]
    return {_stem(w) for w in re.findall(r"[a-z0-9']+", main.lower()) if w not in STOP_WORDS}


def uses_label(message: str, label: str) -> bool:
    words = label_words(label)
    said = {_stem(w) for w in re.findall(r"[a-z0-9']+", message.lower())}
    return bool(words) and words <= said


def test_a_message_must_use_every_word_of_the_label_that_matters() -> None:
    assert uses_label("Enter the first date, like 2027-01-09", "First date")
    assert uses_label("Select at least one day", "Days")
    assert uses_label("Cancellation notice must be a whole number, like 3", "Cancellation notice (hours)")
    assert uses_label("Enter the price of a session in pounds, like £15 or 15.00", "Price a session, in pounds")
    assert not uses_label("Enter the price in pounds, like £15 or 15.00", "Price a session, in pounds")
    assert not uses_label("Enter starts on", "First day closed (YYYY-MM-DD)")
    assert not uses_label("Enter year", "Allowance year starting April")
    assert not uses_label("Enter the date", "From")  # a label of no words names nothing


EMPTY, BOTH = (None,), (None, NONSENSE)

# (page, role, the button that sends the form, what to send: every box empty, then nonsense in each)
STAFF_FORMS = [
    ("/provider/new", "staff", "Save", BOTH),
    ("/provider/{provider_id:uuid}/edit", "staff", "Save", BOTH),
    ("/provider/{provider_id:uuid}/services/new", "staff", "Add service", BOTH),
    ("/provider/services/{service_id:uuid}", "staff", "Save", BOTH),
    ("/provider/services/{service_id:uuid}", "staff", "Add availability", BOTH),
    ("/provider/services/{service_id:uuid}", "staff", "Add closure", BOTH),
    ("/authority/families/{family_id:uuid}", "officer", "Grant allocation to", BOTH),
    ("/organisations/{organisation_id:uuid}", "admin", "Send invitation", BOTH),
    ("/grants/awards/{award_id:uuid}", "grantee", "Start return", BOTH),
    ("/grants/returns/{return_id:uuid}", "grantee", "Add spend", BOTH),
    ("/calendar/providers/{provider_id:uuid}", "staff", "Save calendar address", BOTH),
    ("/organisations/{authority_id}", "admin", "Save contact details", (NONSENSE,)),
    ("/authority/short-breaks", "officer", "Save the council's details", BOTH),
    ("/authority/short-breaks/drafts/{statement_id:uuid}", "officer", "Save introduction and contacts", (NONSENSE,)),
    ("/authority/short-breaks/drafts/{statement_id:uuid}/tiers/new", "officer", "Save tier", BOTH),
    # Sent with nonsense the reason would cancel the session: only empty.
    ("/provider/sessions/{session_id:uuid}", "staff", "Cancel the session", EMPTY),
    ("/grants/returns/{return_id:uuid}", "funder", "Record decision", BOTH),
]


async def _client(app: Starlette, world: World, role: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    client.cookies.set(SESSION_COOKIE, await world.cookie(role))
    return client


def _path(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m.group(1)], template)


async def _errors(client: httpx.AsyncClient, path: str, button: str, fill: str | None) -> tuple[list[tuple[str, str, str]], int]:
    page = Page((await client.get(path)).text)
    form, pressed = page.form_with(button)
    response = await client.post(form.action or path, data=_payload(form, pressed, fill))
    after = Page(response.text)
    return [
        (target, message, after.labels.get(target, page.labels.get(target, ""))) for target, message in after.summary
    ], response.status_code


async def _submit_return(app: Starlette, world: World) -> None:
    """The funder decides only a submitted return: the grantee adds a line and submits it."""
    async with await _client(app, world, "grantee") as grantee:
        path = f"/grants/returns/{world.spend_return.id}"
        page = Page((await grantee.get(path)).text)
        form, _ = page.form_with("Add spend")
        data = {c.name: [c.value] for c in form.controls if c.type == "hidden"}
        data |= {"spent_on": ["2026-05-01"], "amount": ["100"], "category": [form.controls[3].options[0]], "description": ["Staff"]}
        assert (await grantee.post(form.action, data=data)).status_code == 303
        form, _ = Page((await grantee.get(path)).text).form_with("Submit return")
        assert (await grantee.post(form.action, data={c.name: [c.value] for c in form.controls})).status_code == 303


@pytest.mark.parametrize(("path", "role", "button", "fills"), [pytest.param(*f, id=f"{f[0]} {f[2]}") for f in STAFF_FORMS])
async def test_every_error_names_its_box_by_its_label(app: Starlette, path: str, role: str, button: str, fills: tuple) -> None:
    world = await build_world()
    if role == "funder":
        await _submit_return(app, world)
    client = await _client(app, world, role)
    problems = []
    async with client:
        for fill in fills:
            values = world.path_values() | {"authority_id": str(world.authority.id)}
            errors, status = await _errors(client, _path(path, values), button, fill)
            assert status in (400, 409, 422) and errors, (fill, status)
            for target, message, label in errors:
                if SNAKE.search(message):
                    problems.append(f"{target}: {message!r} uses an internal name")
                elif not label:
                    problems.append(f"{target}: {message!r} links to no labelled box")
                elif not uses_label(message, label):
                    problems.append(f"{target}: {message!r} does not name its box, {label!r}")
    assert problems == []


async def test_a_rule_across_two_boxes_is_named_by_the_first(app: Starlette) -> None:
    """A tier whose youngest age is above its oldest: the message is on the youngest age, in words."""
    world = await build_world()
    async with await _client(app, world, "officer") as client:
        path = f"/authority/short-breaks/drafts/{world.draft.id}/tiers/new"
        page = Page((await client.get(path)).text)
        form, _ = page.form_with("Save tier")
        data = {c.name: [c.value] for c in form.controls if c.type == "hidden"}
        data |= {"code": ["short"], "kind": ["universal"], "name": ["Short breaks"], "min_age": ["10"], "max_age": ["5"]}
        after = Page((await client.post(form.action, data=data)).text)
    assert after.summary == [("min_age", "The youngest age must not be more than the oldest age")]
    assert uses_label(after.summary[0][1], page.labels["min_age"])
