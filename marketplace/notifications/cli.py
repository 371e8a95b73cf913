from flask.cli import AppGroup

cli = AppGroup("mail", help="The outgoing mail.")
