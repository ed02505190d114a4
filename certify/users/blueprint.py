from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/users")
auth_bp = Blueprint("auth", __name__)
branches_bp = Blueprint("branches", __name__, url_prefix="/branches")
