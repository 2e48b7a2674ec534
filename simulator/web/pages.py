"""The shape every form page shares: show, validate, act, or show again with the refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from simulator.errors import RefusalError
from simulator.web.forms import first_error
from simulator.web.journaling import note_outcome
from simulator.web.refusals import refused


def form_page(
    template: str, form: FlaskForm, act: Callable[[], ResponseReturnValue], **context: Any
) -> ResponseReturnValue:
    """GET shows ``template``; a POST runs ``act`` and a refusal re-shows the form with it.

    The refusal's message goes in ``id="error"`` and its HTTP status is the one the JSON API
    would give, so screen-driving clients can tell outcomes apart without reading text.
    """
    if not form.is_submitted():
        return render_template(template, form=form, **context)
    if not form.validate():
        note_outcome("invalid_request")
        return render_template(template, form=form, error=first_error(form), **context), 400
    try:
        return act()
    except RefusalError as refusal:
        page = render_template(template, form=form, error=refusal.message, **context)
        return page, refused(refusal)
