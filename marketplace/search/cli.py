from flask.cli import AppGroup

cli = AppGroup("search", help="The search domain.")
