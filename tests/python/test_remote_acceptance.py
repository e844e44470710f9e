"""Acceptance of issue 10: the UI used from another machine, with the token, through a real network namespace.

The test creates a network namespace (`unshare --net`, root only) with a dummy interface holding 192.0.2.10 (TEST-NET-1,
RFC 5737: documentation only, never routed), so nothing goes through this machine's own addresses. Inside it, this
file runs again as a script (the scenario below): it starts the real sidecar on 0.0.0.0 with remote access on and
drives Debian's Chromium to http://192.0.2.10:<port>/, where the page is a non-loopback client: it must ask for the
token in the token dialog, then list, compose, start, watch (live progress over Server-Sent Events, authorised by the
session cookie) and download the campaign report (a plain link, the same cookie). A second sidecar with remote access
off answers the same page with 403 `remote_access_off`, token or not. The scenario prints one JSON verdict line.
"""
import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CHROMIUM = "/usr/bin/chromium"
LAN_ADDRESS = "192.0.2.10"
# lo for the harness's health probes; d0 is the "LAN": a dummy interface, or where the kernel has no dummy driver
# (some container kernels), one end of a veth pair; the default route lets the sidecar discover its LAN address.
NAMESPACE_SETUP = ("ip link set lo up && "
                   "{{ ip link add d0 type dummy 2>/dev/null || "
                   "{{ ip link add d0 type veth peer name d0peer && ip link set d0peer up; }}; }} && "
                   "ip addr add {0}/24 dev d0 && ip link set d0 up && ip route add default dev d0").format(LAN_ADDRESS)
PASTED = ["+1 415 555 2671", "+1 415 555 2672", "+1 415 555 2673", "+1 415 555 2674", "+1 415 555 2675"]
SCENARIO_TIMEOUT_S = 240
VERDICT_PREFIX = "VERDICT "


def namespaces_unavailable():
    """Why this machine cannot run the scenario, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root to create a network namespace"
    if not (shutil.which("unshare") and shutil.which("ip")):
        return "needs unshare (util-linux) and ip (iproute2)"
    if not os.path.exists(CHROMIUM):
        return "needs %s" % CHROMIUM
    probe = subprocess.run(["unshare", "--net", "--", "bash", "-c", NAMESPACE_SETUP], capture_output=True)
    return None if probe.returncode == 0 else "cannot create a network namespace here: %s" % probe.stderr.decode()[:200]


# One browser scenario (~20 s) shared by every test here: left out of the quick run as a whole.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ui_dir(tmp_path_factory):
    """A fresh build of the UI (a leftover electron/dist/renderer could be older than the code under test)."""
    out = str(tmp_path_factory.mktemp("ui"))
    vite = os.path.join(REPO, "electron", "node_modules", ".bin", "vite")
    subprocess.run([vite, "build", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"],
                   cwd=os.path.join(REPO, "electron"), check=True)
    return out


@pytest.fixture(scope="module")
def verdict(request, tmp_path_factory):
    """Run the scenario inside a new network namespace and return its JSON verdict."""
    reason = namespaces_unavailable()
    if reason:
        pytest.skip(reason)
    ui_dir = request.getfixturevalue("ui_dir")  # built only when the scenario can run
    work = str(tmp_path_factory.mktemp("remote"))
    command = ["unshare", "--net", "--", "bash", "-c", NAMESPACE_SETUP + ' && exec "$0" "$@"',
               sys.executable, os.path.abspath(__file__), work, ui_dir]
    done = subprocess.run(command, capture_output=True, text=True, timeout=SCENARIO_TIMEOUT_S)
    lines = [line for line in done.stdout.splitlines() if line.startswith(VERDICT_PREFIX)]
    assert done.returncode == 0 and lines, "scenario failed (%s):\n%s\n%s" % (done.returncode, done.stdout, done.stderr)
    return json.loads(lines[-1][len(VERDICT_PREFIX):])


def test_the_page_is_a_remote_client_and_asks_for_the_token(verdict):
    """Without the token the API refuses the page (it is not loopback) and the token dialog appears; it says so
    when a wrong token is refused, and the right one opens the session."""
    assert verdict["page_url"].startswith("http://%s:" % LAN_ADDRESS)
    assert verdict["api_without_token"] == 401
    assert verdict["token_dialog_shown"] is True
    assert verdict["wrong_token_session_status"] == 401
    assert verdict["wrong_token_message"] == "The token you entered was not accepted."
    assert verdict["session_status"] == 204


def test_lists_composes_starts_watches_and_downloads_with_the_token(verdict):
    """The whole campaign flow works from the other machine, its live progress and report included."""
    assert "Saved “Remote customers”: %d contacts." % len(PASTED) in verdict["list_saved"]
    assert verdict["start_confirmation"].startswith("Send to %d recipients" % len(PASTED))
    assert verdict["campaign_status_shown"] == "completed"
    assert verdict["campaign"]["status"] == "completed"
    assert verdict["campaign"]["counts"]["sent"] == len(PASTED)
    assert verdict["events_stream_status"] == 200, "the event stream was authorised (by the session cookie)"
    assert verdict["events_stream_had_cookie"] is True
    assert verdict["live_outcomes_shown"] >= 1, "progress events reached the page while it ran"
    assert verdict["report_header"][:3] == ["address", "name", "status"]
    assert sorted(verdict["report_statuses"]) == ["sent"] * len(PASTED)
    assert verdict["unauthorized_after_token"] == []


def test_with_remote_access_off_the_same_page_gets_403(verdict):
    """Remote access off: the page, and the API even with the right token, answer 403 remote_access_off."""
    assert verdict["off_page_status"] == 403
    assert verdict["off_page_code"] == "remote_access_off"
    assert verdict["off_api_with_token_status"] == 403
    assert verdict["off_api_with_token_code"] == "remote_access_off"


# ---- the scenario, run inside the namespace by `verdict` above ----------------------------------------------------

def lan_sidecar(home, env, remote_access):
    """The one test harness's Sidecar, bound to every address (argparse keeps the last --host given)."""
    sys.path.insert(0, HERE)
    from support.sidecar import Sidecar

    return Sidecar(home, env=env, args=["--host", "0.0.0.0"] + (["--remote-access"] if remote_access else []))


def lan_url(sidecar):
    """The URL another machine would use."""
    return "http://%s:%d" % (LAN_ADDRESS, sidecar.port)


def token_of(sidecar):
    """The access token of the sidecar's data directory (`app.py --show-token`)."""
    app = os.path.join(REPO, "python-backend", "app.py")
    return subprocess.run([sys.executable, app, "--data-dir", sidecar.data_dir, "--show-token"],
                          capture_output=True, text=True, check=True).stdout.strip()


def submit_token(page, token):
    """Type TOKEN into the token dialog and connect; the status of the session exchange after the reload."""
    dialog = page.get_by_role("dialog", name="Access token needed")
    dialog.wait_for()
    dialog.get_by_label("Access token").fill(token)
    with page.expect_response(lambda r: r.url.endswith("/access/session")) as session:
        dialog.get_by_role("button", name="Connect").click()
    return session.value.status


def enter_token(page, token, verdict):
    """Open the app, see the token dialog, try a wrong token, then the right one; wait until the app works."""
    with page.expect_response(lambda r: r.url.endswith("/regions")) as first_call:
        page.goto(verdict["page_url"] + "/")
    verdict["api_without_token"] = first_call.value.status
    dialog = page.get_by_role("dialog", name="Access token needed")
    dialog.wait_for()
    verdict["token_dialog_shown"] = dialog.is_visible()
    verdict["wrong_token_session_status"] = submit_token(page, "not-the-token")
    refused = page.get_by_role("dialog", name="Access token needed").get_by_role("alert")
    refused.wait_for()
    verdict["wrong_token_message"] = refused.inner_text().strip()
    verdict["session_status"] = submit_token(page, token)
    page.wait_for_function("() => /\\(\\+\\d+\\)$/.test(document.querySelector('[role=combobox]')?.value ?? '')")


def go_to(page, label):
    """Navigate with the main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("button", name=label).click()


def save_list(page, verdict):
    """Saved lists: paste the numbers (United States) and save them as a list."""
    go_to(page, "Saved lists")
    box = page.get_by_role("combobox", name="Default country")
    box.fill("United States")
    page.get_by_role("option").first.wait_for()
    box.press("Enter")
    page.get_by_label("List name", exact=True).fill("Remote customers")
    page.get_by_label("Paste numbers").fill("\n".join(PASTED))
    page.get_by_role("button", name="Save pasted numbers as a list").click()
    status = page.get_by_role("status").filter(has_text="Saved “Remote customers”")
    status.wait_for()
    verdict["list_saved"] = status.inner_text().strip()


def compose(page):
    """Compose: the list, a new dry-run channel, a message, a quick pace; create the campaign."""
    go_to(page, "Compose")
    page.get_by_label("Campaign name").fill("From the LAN")
    page.get_by_label("List", exact=True).select_option(label="Remote customers (%d)" % len(PASTED))
    page.get_by_role("button", name="New channel…").click()
    page.get_by_label("Channel type").select_option("dry_run")
    page.get_by_label("Channel name").fill("Rehearsal")
    page.get_by_role("button", name="Save channel").click()
    page.get_by_label("Channel", exact=True).locator("option", has_text="Rehearsal").wait_for(state="attached")
    page.get_by_label("Channel", exact=True).select_option(label="Rehearsal")
    page.get_by_label("Message", exact=True).fill("Hello {{name|there}}")
    page.get_by_label("Messages per minute").fill("120")
    page.get_by_role("button", name="Create campaign").click()


def start_and_watch(page, verdict):
    """Start it, watch the live outcomes arrive over the event stream, wait for the end."""
    detail = page.get_by_test_id("campaign-detail")
    detail.get_by_role("heading", name="From the LAN").wait_for()
    detail.get_by_role("button", name="Start…").click()
    dialog = page.get_by_role("dialog")
    verdict["start_confirmation"] = dialog.get_by_role("heading").inner_text().strip()
    with page.expect_response(lambda r: "/events" in r.url, timeout=60_000) as stream:
        dialog.get_by_role("button", name="Send to %d" % len(PASTED)).click()
    verdict["events_stream_status"] = stream.value.status
    verdict["events_stream_had_cookie"] = "bulkmsg_session=" in stream.value.request.all_headers().get("cookie", "")
    detail.get_by_test_id("campaign-log").locator("li").first.wait_for(timeout=60_000)
    verdict["live_outcomes_shown"] = detail.get_by_test_id("campaign-log").locator("li").count()
    detail.get_by_test_id("campaign-status").filter(has_text="completed").wait_for(timeout=60_000)
    verdict["campaign_status_shown"] = detail.get_by_test_id("campaign-status").inner_text().strip()


def download_report(page, verdict):
    """Download the CSV report through its link and read it."""
    detail = page.get_by_test_id("campaign-detail")
    with page.expect_download() as download:
        detail.get_by_role("link", name="Report CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as f:
        rows = [row for row in csv.reader(f) if len(row) > 1]
    verdict["report_header"] = rows[0]
    verdict["report_statuses"] = [row[rows[0].index("status")] for row in rows[1:]]


def api_json(page, path):
    """GET PATH from the page, as the UI would (bearer token from the page's session storage)."""
    return page.evaluate("""async (path) => {
        const token = sessionStorage.getItem('bulkmsg.accessToken');
        const response = await fetch(path, { headers: { Authorization: 'Bearer ' + token } });
        return response.json();
    }""", path)


def remote_ui_flow(browser, sidecar, verdict):
    """The token dialog, then list, compose, start, watch and download, all from the LAN address."""
    page = browser.new_page(accept_downloads=True)
    unauthorized = []
    page.on("response", lambda r: unauthorized.append(r.url) if r.status == 401 else None)
    verdict["page_url"] = lan_url(sidecar)
    enter_token(page, token_of(sidecar), verdict)
    unauthorized.clear()
    save_list(page, verdict)
    compose(page)
    start_and_watch(page, verdict)
    download_report(page, verdict)
    campaigns = api_json(page, "/campaigns")["campaigns"]
    verdict["campaign"] = next(c for c in campaigns if c["name"] == "From the LAN")
    verdict["unauthorized_after_token"] = unauthorized
    page.close()


def remote_access_off(browser, sidecar, verdict):
    """The same page from a sidecar with remote access off; the API with its token too."""
    page = browser.new_page()
    response = page.goto(lan_url(sidecar) + "/")
    verdict["off_page_status"] = response.status
    verdict["off_page_code"] = json.loads(response.text()).get("code")
    answer = page.evaluate("""async ([url, token]) => {
        const response = await fetch(url, { headers: { Authorization: 'Bearer ' + token } });
        return { status: response.status, body: await response.json() };
    }""", [lan_url(sidecar) + "/lists", token_of(sidecar)])
    verdict["off_api_with_token_status"] = answer["status"]
    verdict["off_api_with_token_code"] = answer["body"].get("code")
    page.close()


def scenario(work, ui_dir):
    """Run both sidecars and the browser; return the verdict."""
    from playwright.sync_api import sync_playwright

    env = {"BULKMSG_UI_DIR": ui_dir}
    on = lan_sidecar(os.path.join(work, "on"), env, remote_access=True)
    off = lan_sidecar(os.path.join(work, "off"), env, remote_access=False)
    verdict = {}
    try:
        on.start()
        off.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--headless", "--no-sandbox", "--disable-gpu"])
            try:
                remote_ui_flow(browser, on, verdict)
                remote_access_off(browser, off, verdict)
            finally:
                browser.close()
    finally:
        on.stop()
        off.stop()
    return verdict


if __name__ == "__main__":
    print(VERDICT_PREFIX + json.dumps(scenario(sys.argv[1], sys.argv[2])), flush=True)
