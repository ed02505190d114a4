from flask import Blueprint

bp = Blueprint("rubrics", __name__, url_prefix="/rubrics")
