"""The evaluation blueprint. Its pages live under /evaluation/, except the public award
page, which belongs with its challenge: /challenges/<id>/award."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__)
