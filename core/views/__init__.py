"""The core's pages: sign-in, start page, school structure, staff, audit log, account, modules."""
from __future__ import annotations

from flask import Flask


def register_core_views(app: Flask) -> None:
    from core.views import (
        account,
        audit,
        auth,
        errors,
        jobs,
        main,
        people,
        school_settings,
        second_factor,
        setup,
        structure,
    )

    for module in (auth, second_factor, main, structure, people, audit, account, jobs, setup, school_settings):
        app.register_blueprint(module.bp)
    errors.init_app(app)
    main.init_shell(app)
    setup.init_wizard_strip(app)
