from flask import Blueprint
bp = Blueprint("print_archive_api", __name__, url_prefix="/api/v1/print_archive")
