"""Where things are in this checkout; nothing here points outside the repository."""
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BACKEND = os.path.join(REPO, "python-backend")
APP = os.path.join(BACKEND, "app.py")
FIXTURES = os.path.join(REPO, "tests", "fixtures")
SCRIPTS = os.path.join(REPO, "scripts")
GEN_CONTACTS = os.path.join(SCRIPTS, "gen_contacts.py")
