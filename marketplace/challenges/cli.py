from flask.cli import AppGroup

cli = AppGroup("challenges", help="The challenges domain.")
