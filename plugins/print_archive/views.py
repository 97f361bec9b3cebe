from flask import Blueprint
bp = Blueprint("print_archive", __name__, url_prefix="/print_archive")
def widget_context(user):
    return None
