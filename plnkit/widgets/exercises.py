"""The exercises of modules 01 and 02 as thin widget shells over the rules in ``benefits`` and ``stages``.

Each exercise loads its saved state from the store when the page opens, saves through the store before it
says "Saved", and shows errors as one-line messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ipywidgets as w

from ..charts._static import drawn_html
from ..content import AGREEMENT, BENEFITS, RATING_ANCHORS, STAGE_STATEMENTS, STAGES, TIPS
from ..rules.benefits import changes, check_ratings, profile_summary
from ..rules.stages import check_plan, estimate_stage, plan_warnings
from ..rules.text import parse_number
from ..services import session as _session
from ._ui import Component, Part, day_and_clock, esc, guard, layout, make, mark_saved

_STAGE_NAMES = {s.key: s.name for s in STAGES}
_WIDE = {"description_width": "initial"}


class _Exercise(Component):
    """Shared plumbing: the answers an exercise saves and restores."""

    css = ""

    def __init__(self, session: _session.Session | None) -> None:
        super().__init__(session, *([self.css] if self.css else []))

    def _latest(self, key: str) -> Any:
        return self._load_answer(key)

    def _history(self, key: str) -> list[Any]:
        return self._answer_history(key)


def _number_text(value: object) -> str:
    """A stored number as the learner typed it (``14``, ``2.5``)."""
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


# --- Module 01: benefit self-rating ---------------------------------------------------------------------


class BenefitRating(_Exercise):
    """Rate the seven benefits 1-5, see a profile chart and summary, choose one to grow first."""

    KEY = "why-pln/benefit-ratings"
    CHOICE = "why-pln/grow-first"
    css = "plnkit-rating"

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        options = [(f"{n} · {RATING_ANCHORS[n]}", n) for n in range(1, 6)]
        self.radios = {b.key: make(w.RadioButtons, options=options, value=None, description=b.statement, style=_WIDE,
                                   layout=layout(width="100%")) for b in BENEFITS}
        self.submit = make(w.Button, description="Show my profile", button_style="primary")
        self.result = make(w.HTML)
        self.grow = make(w.Dropdown, description="The one benefit I will grow first",
                         options=[(b.name, b.key) for b in BENEFITS], value=None, style=_WIDE)
        self.grow_button = make(w.Button, description="Save my choice")
        self.grow_box = make(w.HBox, [self.grow, self.grow_button],
                             layout=w.Layout(display="none", flex_flow="row wrap"))  # its own: it shows later
        self.widget.children = [
            make(w.HTML, "<p><em>These statements are drawn from the sources, not a validated scale: use them to "
                         "reflect, not to score yourself.</em></p>"),
            *self.radios.values(), make(w.HBox, [self.submit, self.status.widget], layout=layout(align_items="center")),
            self.result, self.grow_box,
        ]
        self.submit.on_click(lambda _b: self.show_profile())
        self.grow_button.on_click(lambda _b: self.save_choice())

    def ratings(self) -> dict[str, Any]:
        return {key: radio.value for key, radio in self.radios.items() if radio.value is not None}

    def load(self) -> None:
        versions = self._history(self.KEY)
        if not versions:
            return
        for key, value in versions[0].value.items():
            if key in self.radios:
                self.radios[key].value = value
        before = versions[1].value if len(versions) > 1 else None
        self._render(versions[0].value, before)
        self.status.ok(f"Last saved {day_and_clock(versions[0].saved_at)}")
        choice = self._latest(self.CHOICE)
        if choice in self.radios:
            self.grow.value = choice

    def show_profile(self) -> None:
        @guard(self.status, doing="show your profile")
        def run() -> None:
            ratings = check_ratings(self.ratings())
            previous = self._latest(self.KEY)
            before = previous if previous and previous != ratings else None
            self._commit(self.KEY, ratings, then=lambda _v: self._render(ratings, before))

        run()

    def _render(self, ratings: dict[str, int], before: dict[str, int] | None) -> None:
        from ..charts._figures import figure_html, table_html
        from ..charts.learner import benefit_profile, describe_benefit_profile

        profile = profile_summary(ratings)
        moved = "".join(f"<li>{esc(line)}</li>" for line in changes(before, ratings)) if before else ""
        table = table_html(["Benefit", "Now", *(["Before"] if before else [])],
                           [[b.name, ratings[b.key], *([before.get(b.key, "")] if before else [])] for b in BENEFITS],
                           "Your benefit ratings")
        chart = figure_html(benefit_profile(ratings, before), alt="Bar chart of your seven benefit ratings",
                            description=describe_benefit_profile(ratings, before), filename="my-pln-benefits",
                            table=table, phone=benefit_profile(ratings, before, narrow=True))
        self.result.value = (f'<div class="plnkit-summary" role="status"><p>{esc(profile.summary)}</p>'
                             + (f"<p>Since last time:</p><ul>{moved}</ul>" if moved else "") + f"</div>{chart}")
        if self.grow.value is None:
            self.grow.value = profile.weakest[0].key if profile.weakest else None
        self.grow_box.layout.display = "flex"

    def save_choice(self) -> None:
        @guard(self.status, doing="save your choice")
        def run() -> None:
            if self.grow.value not in self.radios:
                self.status.error("Choose one benefit first.")
                return
            name = next(b.name for b in BENEFITS if b.key == self.grow.value)
            self._commit(self.CHOICE, self.grow.value, then=lambda _v: f": you will grow “{name}” first.")

        run()


# --- Module 02: stage finder ----------------------------------------------------------------------------


class StageFinder(_Exercise):
    """Agree or disagree with statements, give hours and spaces, get an estimated stage, confirm it."""

    ANSWERS = "stages/finder"
    CONFIRMED = "stages/confirmed"
    css = "plnkit-rating"

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        options = [(label, value) for value, label in AGREEMENT.items()]
        self.answers = {s.key: make(w.RadioButtons, options=options, value=0, description=s.text, style=_WIDE,
                                    layout=layout(width="100%")) for s in STAGE_STATEMENTS}
        self.hours = make(w.Text, value="0", description="About how many hours a week do you spend on your networks?",
                          style=_WIDE)
        self.spaces = make(w.Text, value="0", description="In how many networks, groups or spaces are you active?",
                           style=_WIDE)
        self.estimate_button = make(w.Button, description="Estimate my stage", button_style="primary")
        self.estimate = make(w.HTML)
        self.journey = make(w.HTML)
        self._confirm_parts: tuple[w.Dropdown, w.Button, w.HBox] | None = None  # made once an estimate asks
        self.widget.children = [*self.answers.values(), self.hours, self.spaces,
                                make(w.HBox, [self.estimate_button, self.status.widget],
                                     layout=layout(align_items="center")),
                                self.estimate, self.journey]
        self._estimated: str | None = None
        self.estimate_button.on_click(lambda _b: self.run_estimate())

    choice = Part[w.Dropdown]("_confirm_row", 0, "The stage to confirm (the estimate's, until the learner picks "
                                                 "another).")
    confirm = Part[w.Button]("_confirm_row", 1, "Saves :attr:`choice` as the learner's stage.")
    confirm_box = Part[w.HBox]("_confirm_row", 2, ":attr:`choice` and :attr:`confirm`, below the estimate.")

    def _confirm_row(self) -> tuple[w.Dropdown, w.Button, w.HBox]:
        """The confirm row, made and shown under the estimate the first time one is made (or code asks for it):
        until then the page has three controls fewer to build."""
        if self._confirm_parts is None:
            choice = make(w.Dropdown, description="My stage", options=[(s.name, s.key) for s in STAGES], value=None,
                          style=_WIDE)
            confirm = make(w.Button, description="Confirm my stage")
            confirm.on_click(lambda _b: self.confirm_stage())
            self._confirm_parts = choice, confirm, make(w.HBox, [choice, confirm])
            children = list(self.widget.children)
            children.insert(children.index(self.journey), self._confirm_parts[2])
            self.widget.children = children
        return self._confirm_parts

    def load(self) -> None:
        saved = self._latest(self.ANSWERS)
        if isinstance(saved, dict):
            for key, value in saved.get("agreement", {}).items():
                if key in self.answers and value in AGREEMENT:
                    self.answers[key].value = value
            self.hours.value = _number_text(saved.get("hours", 0))
            self.spaces.value = _number_text(saved.get("spaces", 0))
        self._show_journey()

    def run_estimate(self) -> None:
        @guard(self.status, doing="estimate your stage")
        def run() -> None:
            agreement = {key: radio.value for key, radio in self.answers.items()}
            hours = parse_number(self.hours.value, "hours a week")
            spaces = parse_number(self.spaces.value, "number of spaces", whole=True)
            result = estimate_stage(agreement, hours, spaces)
            self._save_answer(self.ANSWERS, {"agreement": agreement, "hours": hours, "spaces": spaces})
            self._estimated = result.stage.key
            reasons = "".join(f"<li>{esc(r)}</li>" for r in result.reasons)
            self.estimate.value = (f'<div class="plnkit-summary" role="status"><p>Your answers suggest '
                                   f"<strong>Stage {result.stage.number}: {esc(result.stage.name)}</strong>.</p>"
                                   f"<ul>{reasons}</ul><p>Does that fit? Confirm it, or pick the stage that "
                                   "feels truer.</p></div>")
            self.choice.value = result.stage.key
            self.status.info("Answers saved. Now confirm your stage.")

        run()

    def confirm_stage(self) -> None:
        @guard(self.status, doing="save your stage")
        def run() -> None:
            if self.choice.value not in _STAGE_NAMES:
                self.status.error("Pick a stage first.")
                return
            name = _STAGE_NAMES[self.choice.value]

            def shown(_v: Any) -> str:
                self._show_journey()
                return f": {name}."

            self._commit(self.CONFIRMED, {"stage": self.choice.value, "estimated": self._estimated}, then=shown)

        run()

    def journey_points(self) -> list[tuple[datetime, str]]:
        """Confirmed stages, oldest first."""
        return [(v.saved_at, v.value["stage"]) for v in reversed(self._history(self.CONFIRMED))
                if isinstance(v.value, dict) and v.value.get("stage") in _STAGE_NAMES]

    def _show_journey(self) -> None:
        from ..charts._figures import figure_html, table_html
        from ..charts.learner import describe_stage_schematic, stage_schematic

        points = self.journey_points()
        table = table_html(["Date", "Stage"], [[day_and_clock(t), _STAGE_NAMES[k]] for t, k in points],
                           "Your confirmed stages") if points else ""
        if not points:  # the schematic every fresh learner sees: shipped drawn, so the page loads no matplotlib
            chart = drawn_html("stage-schematic", alt="Schematic of the five stages with your position",
                               description=describe_stage_schematic(points), filename="my-pln-stage")
        else:
            chart = figure_html(stage_schematic(points), alt="Schematic of the five stages with your position",
                                description=describe_stage_schematic(points), filename="my-pln-stage", table=table,
                                phone=stage_schematic(points, narrow=True))
        intro = ("<p>Come back in a few weeks and take it again: each confirmed stage is kept, so you can see "
                 "your journey.</p>" if len(points) < 2 else "")
        self.journey.value = intro + chart


# --- Module 02: balance planner -------------------------------------------------------------------------


class BalancePlanner(_Exercise):
    """Weekly minutes per network or activity, one boundary, and kind warnings about Know it all signs."""

    KEY = "stages/balance-plan"
    ROWS = 5

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        self.names = [make(w.Text, description=f"Network or activity {i + 1}", placeholder="e.g. Mastodon, a blog",
                           style=_WIDE) for i in range(self.ROWS)]
        self.minutes = [make(w.Text, value="0", description=f"Minutes a week ({i + 1})", style=_WIDE,
                             layout=layout(width="14em")) for i in range(self.ROWS)]
        self.late = make(w.Checkbox, description="I often check my networks late at night", indent=False)
        self.boundary = make(w.Text, description="One boundary I will keep",
                             placeholder="e.g. no notifications after 8 pm", style=_WIDE, layout=layout(width="100%"))
        self._draft(self.boundary, "stages/balance-plan/boundary", by_button=True)
        self.check = make(w.Button, description="Check and save my plan", button_style="primary")
        self.result = make(w.HTML)
        rows = [make(w.HBox, [n, m], layout=layout(flex_flow="row wrap"))
                for n, m in zip(self.names, self.minutes, strict=True)]
        self.widget.children = [*rows, self.late, self.boundary,
                                make(w.HBox, [self.check, self.status.widget], layout=layout(align_items="center")),
                                self.result]
        self.check.on_click(lambda _b: self.check_plan())

    def load(self) -> None:
        saved = self._latest(self.KEY)
        if not isinstance(saved, dict):
            return
        for i, (name, minutes) in enumerate(saved.get("minutes", [])[: self.ROWS]):
            self.names[i].value, self.minutes[i].value = name, _number_text(minutes)
        self.late.value = bool(saved.get("late_night"))
        self.boundary.value = saved.get("boundary", "")
        mark_saved(self.boundary, self.boundary.value)
        self._show(check_plan(saved.get("minutes", []), self.late.value, self.boundary.value))

    def check_plan(self) -> None:
        @guard(self.status, doing="check your plan")
        def run() -> None:
            rows = [(n.value, parse_number(m.value, f"minutes for {n.value.strip() or 'that row'}", whole=True))
                    for n, m in zip(self.names, self.minutes, strict=True)]
            plan = check_plan(rows, self.late.value, self.boundary.value)

            def shown(_v: Any) -> None:
                mark_saved(self.boundary, plan.boundary)
                self._show(plan)

            self._commit(self.KEY, {"minutes": [list(item) for item in plan.minutes], "late_night": plan.late_night,
                                    "boundary": plan.boundary}, then=shown)

        run()

    def _show(self, plan: Any) -> None:
        notes = plan_warnings(plan)
        hours = round(plan.total / 60, 1)
        total = f"<p>Your plan: {plan.total:,} minutes a week (about {hours:g} hour{'' if hours == 1 else 's'}).</p>"
        if notes:
            items = "".join(f"<li>{esc(n)}</li>" for n in notes)
            self.result.value = f'<div class="plnkit-summary" role="status">{total}<ul>{items}</ul></div>'
        else:
            self.result.value = (f'<div class="plnkit-summary" role="status">{total}<p>That looks like a balanced '
                                 f"week. Your boundary: “{esc(plan.boundary)}”.</p></div>")


# --- Module 02: getting started checklist ---------------------------------------------------------------


class FirstSteps(_Exercise):
    """The seed's tips as commitments, each with a concrete first step; saved as they are ticked."""

    KEY = "stages/first-steps"

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        self.boxes = {t.key: make(w.Checkbox, description=f"I commit to this: {t.text}", indent=False,
                                  layout=layout(width="100%")) for t in TIPS}
        rows: list[w.Widget] = []
        for tip in TIPS:
            rows += [self.boxes[tip.key],
                     make(w.HTML, f'<p class="plnkit-step">First step: {esc(tip.first_step)}</p>')]
        self.widget.children = [*rows, self.status.widget]
        for box in self.boxes.values():
            box.observe(self._ticked, names="value")

    def load(self) -> None:
        saved = self._latest(self.KEY)
        if isinstance(saved, list):
            for key in saved:
                if key in self.boxes:
                    self.boxes[key].value = True
            self.status.ok(f"{len(saved)} of {len(TIPS)} commitments made.")

    def _ticked(self, _change: dict[str, Any]) -> None:
        if not self.is_loading:  # loading ticks the saved boxes: that is not a new answer
            self.save()

    def save(self) -> None:
        @guard(self.status, doing="save your commitments")
        def run() -> None:
            chosen = [key for key, box in self.boxes.items() if box.value is True]
            self._commit(self.KEY, chosen, then=lambda _v: f": {len(chosen)} of {len(TIPS)} commitments.")

        run()


def benefit_rating(**kwargs: Any) -> BenefitRating:
    """Module 01's benefit self-rating."""
    return BenefitRating(**kwargs)


def stage_finder(**kwargs: Any) -> StageFinder:
    """Module 02's stage finder with the stage schematic."""
    return StageFinder(**kwargs)


def balance_planner(**kwargs: Any) -> BalancePlanner:
    """Module 02's weekly balance planner."""
    return BalancePlanner(**kwargs)


def first_steps(**kwargs: Any) -> FirstSteps:
    """Module 02's getting-started commitments."""
    return FirstSteps(**kwargs)
