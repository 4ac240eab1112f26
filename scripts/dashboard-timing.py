"""Times the web dashboard's overview in headless Chromium (daas-bench dashboard runs it).

usage: dashboard-timing.py URL NODES PODS ROUNDS
  URL     a sign-in URL from `daasctl dashboard` (the first round signs in; later rounds reload)
  NODES   how many nodes the overview must show before it counts as rendered
  PODS    how many running pods it must show
  ROUNDS  how many loads to time

For each round prints `overview-ms N`: from navigation start to the overview showing every node,
every running pod and the master's figures (health and attestation); and `lists-ms N`: the same browser fetching
/api/v1/nodes and /api/v1/pods itself, the data the overview cannot do without (the reference).
"""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

url, nodes, pods, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
options = webdriver.ChromeOptions()
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--ignore-certificate-errors", "--window-size=1400,1000", "--disable-gpu"):
    options.add_argument(argument)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(120)

RENDERED = """
const total = document.getElementById('overview-nodes-total');
const health = document.getElementById('health-status');
const mode = document.getElementById('attestation-mode');
const running = document.getElementById('overview-pods-running');
if (total && total.innerText === arguments[0] && running && running.innerText === arguments[1] && health && health.innerText !== 'Unknown' && mode && mode.innerText !== 'unknown') {
  return performance.now();
}
return null;
"""
LISTS = """
const done = arguments[arguments.length - 1];
const started = performance.now();
const headers = {'X-DaaS-Dashboard': '1', 'Accept': 'application/json'};
Promise.all(['/api/v1/nodes', '/api/v1/pods'].map(p => fetch(p, {headers}).then(r => r.json())))
  .then(() => done(performance.now() - started), e => done(-1));
"""
try:
    for round_ in range(rounds):
        if round_ == 0:
            driver.get(url)
        else:
            # A real reload (navigating to the same URL with a fragment would not load anew).
            driver.refresh()
        rendered = WebDriverWait(driver, 120, poll_frequency=0.02).until(lambda d: d.execute_script(RENDERED, str(nodes), str(pods)))
        print("overview-ms", round(rendered, 1), flush=True)
        slowest = driver.execute_script(
            "return performance.getEntriesByType('resource').filter(e => e.responseEnd > 0).sort((a, b) => b.responseEnd - a.responseEnd).slice(0, 3)"
            ".map(e => new URL(e.name).pathname + '@' + Math.round(e.startTime) + '+' + Math.round(e.duration))")
        print("slowest", " ".join(slowest), flush=True)
        driver.set_script_timeout(120)
        print("lists-ms", round(driver.execute_async_script(LISTS), 1), flush=True)
        time.sleep(0.5)
finally:
    driver.quit()
