"""What the in-process runner tests share: a campaign of N numbers through a Cloud API channel at a fake, run to
its end on the real clock."""
import time

from messaging import campaigns, channel_store, lists
from messaging.runner import CampaignManager, RealClock


def numbers(count):
    """COUNT distinct valid US numbers."""
    return ["+1415555%04d" % (1000 + i) for i in range(count)]


def make_campaign(conn, channel, count, pacing):
    """A draft campaign of COUNT numbers through CHANNEL."""
    created, _ = lists.create_list(conn, "list", [{"number": n, "name": "U%d" % i}
                                                  for i, n in enumerate(numbers(count))])
    return campaigns.create(conn, {"name": "c", "list_id": created["id"], "channel_id": channel["id"],
                                   "body": "Hi {{name}}", "pacing": pacing})


def whatsapp_channel(conn, server, timeout=5):
    """A Cloud API channel at SERVER whose token goes to the keychain (TIMEOUT: seconds per request)."""
    return channel_store.create(conn, {"name": "wa", "type": "whatsapp", "secrets": {"access_token": server.token},
                                       "config": {"phone_number_id": server.phone_number_id,
                                                  "api_base": server.base_url, "timeout": timeout}})


def run_timed(data_dir, campaign_id):
    """Run a campaign to its end on the real clock; seconds taken."""
    manager = CampaignManager(data_dir, RealClock())
    began = time.monotonic()
    manager.start(campaign_id)
    assert manager.join(campaign_id, 60)
    return time.monotonic() - began
