from flask import Blueprint

bp = Blueprint("certificates", __name__)
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
