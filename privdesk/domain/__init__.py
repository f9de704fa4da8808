"""Pure rules: no Qt, no SQLAlchemy, no reportlab. Where the law lives."""
