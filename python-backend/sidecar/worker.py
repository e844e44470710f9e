"""`python app.py worker [--database URL] [--data-dir DIR] [--concurrency N]`: a campaign worker, no HTTP API.

Any number of them, on any number of machines, share the team mode's database (messaging/team/). The same
Settings as the API (environment, settings.json) say where the data, the secrets' key and the WhatsApp Web
engine are; the worker always runs in the team mode.
"""
import argparse
import logging
import signal
import sys

from messaging import db, secrets
from messaging.team.manager import TeamCampaignManager
from messaging.team.process import WorkerProcess
from messaging.whatsapp_web import sessions

from . import settings as settings_module
from .secret_key_cli import refuse_without_key


def argument_parser():
    """The worker's command-line options."""
    ap = argparse.ArgumentParser(prog="app.py worker", description="Bulk Messaging campaign worker (team mode).")
    ap.add_argument("--database", help="the shared database URL (postgresql://...); default: the data directory's")
    ap.add_argument("--data-dir", help="the data directory (the embedded database, logs, WhatsApp Web sessions)")
    ap.add_argument("--config-dir", help="where the secrets file's key lives when there is no OS keychain")
    ap.add_argument("--concurrency", type=int, help="sends in flight per campaign (default: the campaign's choice)")
    ap.add_argument("--team-mode", action="store_const", const=True, help="accepted for symmetry: always on")
    return ap


def main(argv):
    """Configure from ARGV and run the worker until SIGTERM or Ctrl+C; the exit code."""
    args = argument_parser().parse_args(argv)
    if args.concurrency is not None and not 1 <= args.concurrency <= 256:
        argument_parser().error("--concurrency must be between 1 and 256")
    values = {"data_dir": args.data_dir, "database_url": args.database, "config_dir": args.config_dir,
              "force_team_mode": True}
    settings = settings_module.build({k: v for k, v in values.items() if v is not None})
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    refused = refuse_without_key(settings)  # channel secrets are sealed with the team's key: none, no sending
    if refused:
        return refused
    # The shared database when one is given (every connection of this process goes there), its schema brought up
    # to date (the first process to come migrates).
    db.open_configured(settings.data_dir, settings.database_url).close()
    secrets.configure_for(settings)
    sessions.configure(settings.data_dir, node=settings.wa_node, engine_dir=settings.wa_engine_dir,
                       fake_server=settings.wa_fake_server, campaigns=TeamCampaignManager(settings.data_dir),
                       region=settings.default_region, base_env=settings_module.child_environment())
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        WorkerProcess(settings.data_dir, concurrency=args.concurrency).main()
    finally:
        sessions.forget(settings.data_dir)
    return 0


def stop_on_sigterm(signum, frame):
    """SIGTERM stops like Ctrl+C: sends in flight land and are recorded, then the worker unregisters."""
    raise KeyboardInterrupt
