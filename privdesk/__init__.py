"""PrivDesk: a desktop workbench for privacy officers."""

__version__ = "0.1.0"
APP_NAME = "PrivDesk"
APP_ID = "privdesk"
