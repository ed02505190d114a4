from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/users")
auth_bp = Blueprint("auth", __name__)
