"""privdesk.documents"""
