"""What plugins give the UI shell: menu items, dashboard widgets, set-up steps and other ways to sign in,
sorted by weight."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MenuItem:
    title: Any  # lazy translated string
    endpoint: str
    permission: str
    icon: str = ""
    weight: int = 100
    url_values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DashboardWidget:
    title: Any
    body: Any  # Markup rendered by the plugin (render_template(...) of its own partial)
    weight: int = 100
    link_endpoint: str | None = None


@dataclass(frozen=True)
class SetupStep:
    """One step of the school's set-up wizard (``register_setup_steps``).

    ``is_done(session, school_id)`` answers from the school's own data (never from a stored flag), so
    the wizard resumes wherever the administrator left it, and a step done on its ordinary page counts.
    ``weight`` places the step among the core's: school 10, year 20, classes 40, subjects 50, staff 60,
    teaching loads 70; bells 30, class lists 80 and credentials 90 come from plugins.
    """

    key: str
    title: Any  # lazy translated string
    endpoint: str
    permission: str
    is_done: Callable[[Any, int], bool]
    weight: int = 100
    hint: Any = ""  # one sentence: what to do on the step's page
    url_values: dict[str, Any] = field(default_factory=dict)
    # The key of another step this one is a second way of doing (the office's spreadsheet import of staff
    # for the core's typed "staff" step): shown as "or: ..." under that step, never as a step of its own.
    extends: str = ""


@dataclass(frozen=True)
class LoginOption:
    """Another way in, shown under the password form (``extra_login_options``): «Войти через Госуслуги».

    ``url`` starts that sign-in (the plugin's own public view); ``title`` is the provider's name as people
    know it, the page adds «Войти через».
    """

    title: Any
    url: str
    weight: int = 100


# --- the navigation, built once per kind of user ---------------------------------------------------------

@dataclass(frozen=True)
class MenuLink:
    """One entry of the top navigation as the layout draws it: the title already translated and the
    URL already built (the layout loops over these; it no longer calls ``url_for`` per item)."""

    title: str
    endpoint: str
    url: str


MENU_CACHE_LIMIT = 2000  # kinds of users (a class teacher's «My class» link makes one per class)


def cached_menu(app: Any, user: Any, script_root: str, build: Callable[[Any], list[MenuItem]]) -> tuple[MenuLink, ...]:
    """The menu of ``user``, built by ``build(user)`` (every plugin's ``register_menu_items`` and a
    permission check per item) once per kind of user and kept in the app.

    Why it may be cached: the items and the permissions depend only on the app (its plugins and their
    settings, fixed when the app is made), the locale, and the user's role grants (roles and the classes
    they are scoped to) and the school's settings (plugins it switched off). So the key is the school and
    its settings version, the grants, the number of menu hook implementations
    (a plugin registered later, as tests do, starts a new version), the locale and the script root.
    Building it on every page cost about a fifth of the diary week's CPU (issue 20)."""
    from flask import url_for
    from flask_babel import get_locale

    from core.school_settings import request_school_settings

    grants = frozenset((g.role, g.class_id) for g in user.grants)
    state = app.extensions["klass"]
    version = len(state.pm.hook.register_menu_items.get_hookimpls())
    own = request_school_settings()  # a school switching a plugin off changes its menu at once
    key = (user.school_id, own.version if own else 0, grants, version, str(get_locale()), script_root)
    menus: dict[Any, tuple[MenuLink, ...]] = app.extensions.setdefault("klass.menus", {})
    menu = menus.get(key)
    if menu is None:
        if len(menus) >= MENU_CACHE_LIMIT:
            menus.clear()
        menu = tuple(MenuLink(str(item.title), item.endpoint, url_for(item.endpoint, **item.url_values))
                     for item in build(user))
        menus[key] = menu
    return menu


def render_fragment(template: str, **context: Any) -> Any:
    """A piece of a page (a diary section, a dashboard widget) rendered as ``Markup`` without the page's
    context processors: ``render_template`` runs every one of them again (the menu, the help link, the
    setup strip...) for each fragment, which cost the diary week a third of its time. The fragment has the
    template globals (``_``, ``url_for``, ``csrf_token``) but no ``request``, ``current_user`` or ``menu``:
    pass what it needs."""
    from flask import current_app
    from markupsafe import Markup

    return Markup(current_app.jinja_env.get_template(template).render(context))  # noqa: S704 autoescaped template


# --- links in templates, built once per process -----------------------------------------------------------

URL_CACHE_LIMIT = 8192


def cached_url_for(endpoint: str, **values: Any) -> str:
    """Flask's ``url_for`` for templates, remembering each URL it built.

    Why it may be remembered: an internal URL is a pure function of the URL map (fixed once the app is
    made), the endpoint (a blueprint-relative ``.name`` also of the request's blueprint), the values and the
    script root; Klass registers no ``url_defaults``. A page asks for the same dozen links on every request
    (the stylesheet, the dashboard, the account, sign-out, the diary's tabs), and building each through
    Werkzeug's router cost about 30 µs (issue 20). External URLs (``_external``, ``_scheme``, which depend
    on the request's host) and unhashable values are built every time."""
    from flask import current_app, has_request_context, request, url_for

    if "_external" in values or "_scheme" in values or not has_request_context():  # mail, PDFs: no request
        return url_for(endpoint, **values)
    try:
        key = (request.script_root, request.blueprint if endpoint[:1] == "." else None, endpoint,
               frozenset(values.items()))
        hash(key)
    except TypeError:
        return url_for(endpoint, **values)
    urls: dict[Any, str] = current_app.extensions.setdefault("klass.urls", {})
    url = urls.get(key)
    if url is None:
        if len(urls) >= URL_CACHE_LIMIT:
            urls.clear()
        url = urls[key] = url_for(endpoint, **values)
    return url
