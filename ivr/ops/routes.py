"""stub"""

from flask import Blueprint

bp = Blueprint("ops", __name__, url_prefix="/ops")
