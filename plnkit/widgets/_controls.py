"""Making controls: shared layout and style models (a page renders fewer models), and the marks that let the
page's script keep a browser draft of free text (``course.js``). Re-exported by :mod:`plnkit.widgets._ui`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import ipywidgets as w

W = TypeVar("W", bound=w.DOMWidget)
T = TypeVar("T")

#: Layout and style models shared by every widget that asks for the same properties (see :func:`layout`).
_shared: dict[tuple[Any, ...], w.Widget] = {}


def _share(key: tuple[Any, ...], build: Callable[[], w.Widget]) -> Any:
    model = _shared.get(key)
    if model is None or model.comm is None:  # never built, or closed (``Widget.close_all`` in a test)
        model = _shared[key] = build()
    return model


def layout(**css: str) -> w.Layout:
    """The one ``Layout`` with these CSS properties, shared by every widget that uses it.

    ipywidgets gives each widget a ``Layout`` model of its own, and the page must fetch and render every model
    before it is interactive; widgets that look the same can point at one. Never change a shared layout: a
    widget that shows and hides itself gets a ``w.Layout(...)`` of its own.
    """
    return _share(("layout", *sorted(css.items())), lambda: w.Layout(**css))


class Part(Generic[T]):
    """A component's control made when first needed: reading it returns item ``index`` of the tuple that the
    component's method named ``maker`` returns (that method makes the controls once, adds them to the page,
    and returns the same tuple from then on). A page then builds fewer models until a learner asks for them::

        choice = Part[w.Dropdown]("_confirm_row", 0, "The stage to confirm.")
    """

    def __init__(self, maker: str, index: int, doc: str) -> None:
        self.maker, self.index, self.__doc__ = maker, index, doc

    def __get__(self, component: Any, owner: type | None = None) -> T:
        if component is None:  # the class's attribute: this, for documentation tools
            return self  # type: ignore[return-value]
        return getattr(component, self.maker)()[self.index]


def keep_choice(dropdown: w.Dropdown, options: list[tuple[str, Any]]) -> None:
    """Replace a dropdown's options with ``options`` (label, value pairs), keeping the chosen value when it is
    still among them (else none is chosen); nothing is sent when they haven't changed."""
    if list(dropdown.options) == options:
        return
    chosen = dropdown.value
    dropdown.options = options
    dropdown.value = chosen if chosen in {v for _, v in options} else None


def make(cls: type[W], *args: Any, classes: Iterable[str] = (), **kwargs: Any) -> W:
    """``cls(*args, **kwargs)`` with a shared layout (:func:`layout`) and a shared style model of its kind.

    ``layout`` and ``style`` may be left out (the plain shared ones), given as a dict (the shared one with those
    properties) or given as a model (used as it is: a layout of its own that the widget may change).
    ``classes``: CSS classes of the widget's element, part of the model from the start (``add_class`` after
    construction sends the kernel's server and the page one more message per class).
    """
    if classes:
        kwargs["_dom_classes"] = (*kwargs.get("_dom_classes", ()), *classes)
    lay = kwargs.get("layout")
    if not isinstance(lay, w.Layout):
        kwargs["layout"] = layout(**(lay or {}))
    trait = cls.class_traits().get("style")
    style = kwargs.get("style")
    if trait is not None and not isinstance(style, w.Widget):
        kind = trait.klass
        props = dict(style or {})
        kwargs["style"] = _share(("style", kind, *sorted(props.items())), lambda: kind(**props))
    return cls(*args, **kwargs)


def text_hash(text: str) -> str:
    """FNV-1a (32 bit) over the UTF-16 code units of ``text``, as 8 hex digits.

    The page's own script (``course.js``) computes the same hash in the browser to tell whether the text in a
    field is the text the server last saved; it is a fingerprint, not a security measure.
    """
    h = 0x811C9DC5
    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        h ^= data[i] | (data[i + 1] << 8)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


_KEY_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def draft_field(field: w.Widget, key: str, scope: str, *, by_button: bool = False) -> None:
    """Let the page keep unsaved text of ``field`` in the browser (see ``course.js``), under ``scope``/``key``.

    The text is offered back after a reload if the server never confirmed it with :func:`mark_saved`.
    ``by_button``: the text is saved only when the learner presses the exercise's button (a post, a plan), not
    as they type, so offline the page says to press it once the connection is back, not that it will be saved.
    """
    marks = ("plnkit-draft", *(("plnkit-draft-by-button",) if by_button else ()),
             "plnkit-k-" + _KEY_CHARS.sub(lambda m: f".{ord(m.group(0)):x}.", key), "plnkit-s-" + scope)
    field._dom_classes = (*field._dom_classes, *(c for c in marks if c not in field._dom_classes))  # one message


def mark_saved(field: w.Widget, text: str) -> None:
    """Tell the page that ``text`` is what the server holds for ``field`` (its browser draft can go)."""
    old = [c for c in field._dom_classes if c.startswith("plnkit-saved-")]
    field._dom_classes = (*[c for c in field._dom_classes if c not in old], "plnkit-saved-" + text_hash(text))
