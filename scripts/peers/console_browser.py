#!/usr/bin/python3
"""The seeder's web console as an operator's browser sees it (scripts/e2e-console).

console_browser.py URL SHOTS PROFILE: headless Chromium through chromedriver opens URL and
checks what the lab of scripts/e2e-console must show: three rows, bars that move, the failed
row's error as text (its <script> neither run nor parsed), the done rows' times, a chart with
points. Screenshots go to SHOTS. Prints one line per check; exits 1 on the first that fails.
"""
import json
import re
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

url, shots, profile = sys.argv[1], sys.argv[2], sys.argv[3]


def fail(message):
    print(f"console_browser: FAIL {message}", flush=True)
    sys.exit(1)


def ok(message):
    print(f"console_browser: ok {message}", flush=True)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=1280,800", "--no-first-run", "--hide-scrollbars"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)


def viewport(width, height, mobile):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def rows():
    """Each row as {id, class, cells: {label: text}, progress}."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('#rows tr')).map(function (tr) {
          var cells = {};
          tr.querySelectorAll('td').forEach(function (td) { cells[td.dataset.label] = td.textContent; });
          var bar = tr.querySelector('progress');
          return {id: tr.dataset.id, cls: tr.className, cells: cells, progress: bar ? bar.value : null};
        });""")


def wait(what, predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    fail(f"{what} within {seconds} s; rows: {json.dumps(rows())}")


try:
    viewport(1280, 800, False)
    driver.get(url)
    if "ezio serve" not in driver.title:
        fail(f"title {driver.title!r}")
    wait("the page following /api/events", lambda: driver.execute_script("return document.body.dataset.updates"), 15)
    ok("page loaded and live")

    def cloning():
        current = rows()
        moving = [r for r in current if r["cls"] == "state-downloading" and 0 < r["progress"] < 0.9]
        return current if len(current) == 3 and len(moving) == 2 else None
    first = wait("three rows, two of them downloading", cloning, 60)
    ok("three rows: " + ", ".join(f"{r['cells']['Machine']!r} {r['cls']}" for r in first))
    time.sleep(5)
    second = rows()
    before = {r["id"]: r["progress"] for r in first}
    moved = [r for r in second if r["id"] in before and r["progress"] > before[r["id"]]]
    if len(moved) < 2:
        fail(f"progress did not move: {before} then {[(r['id'], r['progress']) for r in second]}")
    ok("progress moved: " + ", ".join(f"{before[r['id']]:.3f} -> {r['progress']:.3f}" for r in moved))
    driver.save_screenshot(f"{shots}/console-1280x800-cloning.png")

    for r in second:
        if r["cls"] == "state-downloading":
            if not re.search(r"LAB DISK \d SN-000\d", r["cells"]["Disk"]):
                fail(f"a cloning row without its disk: {r}")
            if not re.match(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}", r["cells"]["Machine"]):
                fail(f"a cloning row without its MAC: {r}")
    ok("cloning rows show disk model, serial and MAC")

    failed = [r for r in second if r["cls"] == "state-failed"]
    if len(failed) != 1:
        fail(f"want one failed row: {second}")
    error = failed[0]["cells"]["Error"]
    if "<script>window.pwned=1</script><b>no disk</b> of at least 48.0 MiB" not in error:
        fail(f"the failed row's error is not shown as sent: {error!r}")
    injected = driver.execute_script(
        "return [window.pwned === undefined, document.scripts.length, document.querySelectorAll('#rows b, #rows script').length]")
    if injected != [True, 1, 0]:
        fail(f"the report's markup reached the page as markup: {injected}")
    ok(f"failed row shows its error as text: {error!r}")

    points = driver.execute_script(
        "return document.getElementById('line-download').getAttribute('points').trim().split(' ').length")
    if points < 3:
        fail(f"the chart has {points} points")
    ok(f"chart has {points} points")

    def done():
        current = rows()
        finished = [r for r in current if r["cls"] == "state-done"]
        return current if len(finished) == 2 else None
    final = wait("both clones done", done, 150)
    for r in final:
        if r["cls"] == "state-done":
            if not re.match(r"^\d+:\d\d$", r["cells"]["ETA / time"]) or r["progress"] != 1:
                fail(f"a done row without its time: {r}")
    totals = driver.execute_script(
        "return ['done','cloning','failed','booting'].map(function (k) { return document.getElementById('total-' + k).textContent; })")
    if totals != ["2", "0", "1", "0"]:
        fail(f"totals {totals}")
    ok("done rows show their time: " + ", ".join(r["cells"]["ETA / time"] for r in final if r["cls"] == "state-done"))
    time.sleep(2.5)
    driver.save_screenshot(f"{shots}/console-1280x800.png")
    viewport(390, 844, True)
    time.sleep(1)
    width = driver.execute_script("return document.documentElement.scrollWidth")
    if width > 390:
        fail(f"the phone layout is {width} px wide")
    driver.save_screenshot(f"{shots}/console-390x844.png")
    ok(f"screenshots in {shots}")
finally:
    driver.quit()
