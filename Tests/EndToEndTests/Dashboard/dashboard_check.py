"""Drives the K3s-DaaS web dashboard in headless Chromium (Debian's chromium and chromium-driver,
through Selenium), as a user would: sign in with the URL `daasctl dashboard` printed, read the
overview, open the nodes, workloads, pods (a pod's logs) and events pages, and see a pod created
meanwhile appear without a reload. Prints one `key value` line per fact it read (the Swift test
compares them with the API) and saves a screenshot of each page.

usage: dashboard_check.py URL SCREENSHOT_DIR LOG_POD NEW_POD_FILE
  URL           the sign-in URL
  SCREENSHOT_DIR where the PNGs go
  LOG_POD       namespace/name of a pod whose logs to open
  NEW_POD_FILE  a file the script creates once it watches the pods page; the test then creates
                a pod named in the file's first line, which must appear without a reload
"""
import os
import sys
import time

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as conditions
from selenium.webdriver.support.ui import WebDriverWait

url, shots, log_pod, new_pod_file = sys.argv[1:5]
os.makedirs(shots, exist_ok=True)

options = webdriver.ChromeOptions()
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--ignore-certificate-errors", "--window-size=1400,1000", "--disable-gpu"):
    options.add_argument(argument)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(60)
wait = WebDriverWait(driver, 60)


# The page re-renders as watch events arrive, so elements are read in one script call each
# (a WebElement held across a re-render goes stale).
def text(element_id):
    return driver.execute_script("const e = document.getElementById(arguments[0]); return e ? e.innerText : null", element_id)


def until_text(element_id, predicate, timeout=60):
    WebDriverWait(driver, timeout).until(lambda d: (lambda t: t is not None and predicate(t))(text(element_id)))
    return text(element_id)


def rows(table_id):
    """Each body row of a table: its data-name and its cells' text."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#' + arguments[0] + ' tbody tr')].map(r => [r.dataset.name, [...r.cells].map(c => c.innerText)])", table_id)


def until_rows(table_id, timeout=30):
    WebDriverWait(driver, timeout).until(lambda d: len(rows(table_id)) > 0)
    return rows(table_id)


def shot(name):
    """Saves the page's screenshot and checks it with axe-core (WCAG 2 A and AA rules): prints
    `a11y NAME COUNT` and each serious or critical violation's rule id and first target."""
    driver.save_screenshot(os.path.join(shots, f"{name}.png"))
    axe = Axe(driver)
    axe.inject()
    results = axe.run(options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}})
    serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    print("a11y", name, len(serious))
    for violation in serious:
        print("a11y-violation", name, violation["id"], violation["nodes"][0]["target"] if violation["nodes"] else "")


try:
    started = time.monotonic()
    # Chromium aborts requests in flight when the host's interfaces change (ERR_NETWORK_CHANGED;
    # other tests and the worker add veths). If that cost the page its own script or styles,
    # nothing ran ("Loading…" stays, the login token is unused) and the page is loaded again.
    for attempt in range(6):
        # (Navigating again to the same URL with a fragment would not load anything: reload it.)
        if attempt == 0:
            driver.get(url)
        else:
            driver.refresh()
        try:
            WebDriverWait(driver, 20).until(conditions.presence_of_element_located((By.ID, "overview-nodes-total")))
            break
        except Exception:
            page = driver.execute_script("return document.body.innerText")
            print("reloaded-after", page.replace("\n", " | ")[-80:], [e["message"][-120:] for e in driver.get_log("browser")])
            if "Loading" not in page or attempt == 5:
                raise
            time.sleep(2)
    until_text("health-status", lambda t: t in ("Healthy", "Unhealthy"))
    until_text("attestation-mode", lambda t: t != "unknown")
    print("overview-seconds", round(time.monotonic() - started, 2))
    print("user", text("user"))
    print("location", driver.execute_script("return location.hash"))
    for key in ("overview-nodes-ready", "overview-nodes-total", "overview-pods-running", "health-status", "attestation-mode", "attestation-pcr0",
                "attestation-age", "seal-accepted", "sui-status", "usage-cpu-text", "usage-memory-text"):
        print(key, text(key))
    shot("overview")

    driver.find_element(By.ID, "nav-nodes").click()
    wait.until(conditions.presence_of_element_located((By.ID, "nodes-table")))
    for name, cells in until_rows("nodes-table"):
        print("node", name, "|", cells[1], "|", cells[2], "|", cells[3])
    shot("nodes")

    driver.find_element(By.ID, "nav-workloads").click()
    wait.until(conditions.presence_of_element_located((By.ID, "workloads-table")))
    for name, cells in until_rows("workloads-table"):
        print("workload", name, cells[3])
    shot("workloads")

    driver.find_element(By.ID, "nav-pods").click()
    wait.until(conditions.presence_of_element_located((By.ID, "pods-table")))
    before = {name for name, _ in until_rows("pods-table")}
    print("pods", len(before))
    shot("pods")
    # Ask for a new pod and watch it arrive, no reload.
    marker = driver.execute_script("window.__noReload = 'still here'; return window.__noReload")
    with open(new_pod_file + ".tmp", "w") as handle:
        handle.write("ready\n")
    os.rename(new_pod_file + ".tmp", new_pod_file)
    expected = None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        names = {name for name, _ in rows("pods-table")}
        if os.path.exists(new_pod_file + ".name"):
            expected = open(new_pod_file + ".name").read().strip()
        if expected and expected in names:
            break
        time.sleep(0.2)
    print("new-pod-seen", expected if expected and expected in names else "no")
    print("no-reload", driver.execute_script("return window.__noReload") == marker)

    namespace, name = log_pod.split("/", 1)
    WebDriverWait(driver, 30).until(lambda d: driver.execute_script(
        "const a = document.querySelector('#pods-table tbody tr[data-name=\"' + arguments[0] + '\"] a'); if (a) { a.click(); return true } return false", log_pod))
    wait.until(conditions.presence_of_element_located((By.ID, "pod-logs")))
    logs = until_text("pod-logs", lambda t: len(t.strip()) > 0, timeout=60)
    print("pod-status", text("pod-status"))
    print("logs-first-line", logs.strip().splitlines()[0])
    # Followed: more lines arrive while the page is open.
    count = len(logs.strip().splitlines())
    grown = until_text("pod-logs", lambda t: len(t.strip().splitlines()) > count, timeout=30)
    print("logs-followed", len(grown.strip().splitlines()) > count)
    shot("pod-logs")

    driver.find_element(By.ID, "nav-events").click()
    wait.until(conditions.presence_of_element_located((By.ID, "events-table")))
    print("events", len(until_rows("events-table")))
    shot("events")

    # Signing out ends the session: the page asks to sign in again.
    driver.find_element(By.ID, "sign-out").click()
    wait.until(conditions.presence_of_element_located((By.ID, "sign-in-message")))
    print("signed-out", text("sign-in-message"))
    # Errors in the page's console, but for the 401s that follow signing out, a not-ready master's
    # 500 on /readyz (shown as Unhealthy) and requests Chromium aborts when the host's interfaces
    # change (the worker adds a veth per pod; watches reconnect).
    errors = [entry["message"] for entry in driver.get_log("browser")
              if entry["level"] == "SEVERE" and "401" not in entry["message"] and "ERR_NETWORK_CHANGED" not in entry["message"]
              and not ("/readyz" in entry["message"] and "500" in entry["message"])]
    print("console-errors", len(errors))
    for message in errors[:5]:
        print("console-error", message)
finally:
    driver.quit()
