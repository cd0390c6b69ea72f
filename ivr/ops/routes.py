"""The /ops blueprint: staff sign-in, the pages (chart + table + CSV each) and the analyst's misses."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_user
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException

from billing_core.billing_calendar import utcnow
from ivr.ops import auth, misses, rollup
from ivr.ops.csrf import FIELD, check_csrf, csrf_token
from ivr.ops.pages import PAGES, build_page, table_csv
from ivr.ops.periods import BadPeriod, Period, parse_period
from ivr.ops.report import Table
from ivr.settings import web_settings

bp = Blueprint(
    "ops",
    __name__,
    url_prefix="/ops",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


@bp.record_once
def _configure(state: Any) -> None:
    app = state.app
    auth.init_app(app, lambda: app.extensions["billing"].engine, web_settings(app).ops)


def _engine() -> Engine:
    return current_app.extensions["billing"].engine


@bp.context_processor
def _template_globals() -> dict[str, Any]:
    return {
        "csrf_field": FIELD,
        "csrf_token": csrf_token,
        "pages": PAGES,
        "user": current_user,
    }


@bp.before_request
def _guard() -> Response | None:
    check_csrf()
    if current_user.is_authenticated and auth.session_expired(web_settings().ops):
        auth.end_session()
        return redirect(url_for("ops.login", expired=1))
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # no-referrer would make Origin "null"
    return response


@bp.errorhandler(HTTPException)
def _error(exc: HTTPException) -> tuple[str, int]:
    return render_template("ops/error.html", error=exc), exc.code or 500


@bp.errorhandler(BadPeriod)
def _bad_period(exc: BadPeriod) -> tuple[str, int]:
    return render_template("ops/error.html", error=exc, message=str(exc)), 400


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/ops/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("ops.home")


@bp.get("/login")
def login() -> str:
    return render_template(
        "ops/login.html", expired=bool(request.args.get("expired")), next=request.args.get("next")
    )


@bp.post("/login")
def login_post() -> Response | tuple[str, int]:
    user = auth.authenticate(
        _engine(),
        request.form.get("username", ""),
        request.form.get("password", ""),
        request.remote_addr or "",
        utcnow(),
    )
    if user is None:
        return render_template("ops/login.html", failed=True, next=request.form.get("next")), 401
    auth.end_session()  # a new session for the signed-in user (no fixation)
    login_user(user)
    auth.start_session(user)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    auth.end_session()
    return redirect(url_for("ops.login"))


@bp.get("/")
@auth.role_required("viewer")
def home() -> Response:
    return redirect(url_for("ops.page", slug="containment"))


def _period() -> Period:
    return parse_period(request.args.get("period"), request.args.get("day"), utcnow())


@bp.get("/<slug>")
@auth.role_required("viewer")
def page(slug: str) -> str:
    if slug not in PAGES:
        return _not_found()
    period = _period()
    shown = build_page(_engine(), slug, period, utcnow())
    return render_template("ops/page.html", page=shown, period=period)


@bp.get("/csv/<slug>/<name>")
@auth.role_required("viewer")
def page_csv(slug: str, name: str) -> Response:
    if slug not in PAGES:
        return _not_found()
    period = _period()
    shown = build_page(_engine(), slug, period, utcnow())
    table = next((s.table for s in shown.sections if s.table.name == name), None)
    if table is None:
        return _not_found()
    return _csv(table, period)


def _csv(table: Table, period: Period) -> Response:
    suffix = period.first.isoformat() if period.kind != "30d" else f"{period.first}_{period.last}"
    return Response(
        table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{table.name}-{suffix}.csv"'},
    )


def _not_found() -> Any:
    from werkzeug.exceptions import NotFound

    raise NotFound()


def _miss_groups(period: Period) -> list[misses.MissGroup]:
    found = rollup.load_misses(_engine(), period, utcnow())
    return misses.group_misses(found, misses.labels(_engine()))


def misses_table(groups: list[misses.MissGroup]) -> Table:
    return Table(
        "misses",
        "Missed words, grouped by similar text (masked)",
        ["Words (masked)", "Times", "Fallbacks", "NLU's guess", "Label"],
        [[g.example, g.count, g.fallbacks, g.guess, g.label or ""] for g in groups],
    )


@bp.get("/misses")
@auth.role_required("analyst")
def misses_page() -> str:
    period = _period()
    groups = _miss_groups(period)
    return render_template(
        "ops/misses.html",
        groups=groups,
        period=period,
        choices=misses.label_choices(),
        saved=request.args.get("saved"),
        table=misses_table(groups),
    )


@bp.post("/misses/label")
@auth.role_required("analyst")
def label_miss() -> Response | tuple[str, int]:
    try:
        misses.save_label(
            _engine(),
            request.form.getlist("key"),
            request.form.get("intent", ""),
            current_user.username,
            utcnow(),
        )
    except misses.BadLabel as exc:
        return render_template("ops/error.html", message=str(exc)), 400
    query = {k: v for k, v in request.form.items() if k in ("period", "day") and v}
    return redirect(url_for("ops.misses_page", saved=1, **query))


@bp.get("/csv/misses")
@auth.role_required("analyst")
def misses_csv() -> Response:
    period = _period()
    return _csv(misses_table(_miss_groups(period)), period)


@bp.get("/misses/export.yml")
@auth.role_required("analyst")
def export_misses() -> Response:
    now = utcnow()
    return Response(
        misses.export_yaml(_engine(), now),
        mimetype="application/x-yaml",
        headers={"Content-Disposition": f'attachment; filename="nlu-misses-{now:%Y%m%d}.yml"'},
    )
