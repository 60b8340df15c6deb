#!/usr/bin/env python3
"""The monitor's page in a real browser: Debian's Chromium, headless, driven by Selenium
through chromium-driver, against `jobstatusd monitor` on the mock broker (its own process,
so that it can be taken down and brought back).

Checks, each waited for with a bound (never a fixed sleep):
  1. the page shows the jobs already in the topic;
  2. a record produced afterwards appears without a reload;
  3. the status filter and the search narrow the table;
  4. a tombstone removes the job;
  5. a hostile status_msg renders as its characters and runs nothing;
  6. with every broker down the page says Kafka is unreachable; brought back, it catches up;
  7. with the monitor itself restarted the page says it was disconnected, then reloads.

    monitor_browser_test.py --binary PATH [--screenshot docs/monitor.png]

Exit 0 when every check passed; 1 with the failed check named.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chaos import MockBroker, free_port  # noqa: E402
from confluent_kafka import Producer  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

TOPIC = "job-status-latest"
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
BACKENDS = ["ibm_kyiv", "ibm_sherbrooke", "ibm_brisbane"]
STATUSES = ["QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED"]


def record(job, status, message, backend):
    return json.dumps({"backend": backend, "job_id": job, "status": status, "status_msg": message},
                      separators=(",", ":"), sort_keys=True).encode()


class Check:
    def __init__(self):
        self.passed = []

    def wait(self, what, condition, timeout=30.0):
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                if condition():
                    self.passed.append(what)
                    print(f"[monitor-browser] ok: {what}", flush=True)
                    return
            except WebDriverException as error:  # the page is between renders
                last_error = error
            time.sleep(0.2)
        raise SystemExit(f"[monitor-browser] FAILED: {what} (within {timeout} s){': ' + str(last_error) if last_error else ''}")

    def expect(self, what, value):
        if not value:
            raise SystemExit(f"[monitor-browser] FAILED: {what}")
        self.passed.append(what)
        print(f"[monitor-browser] ok: {what}", flush=True)


class Monitor:
    def __init__(self, binary, bootstrap, port, workdir):
        self.args = [binary, "monitor", "--listen", f"127.0.0.1:{port}",
                     "--set", f"kafka.bootstrap.servers={bootstrap}", "--set", f"output.topic={TOPIC}",
                     "--set", "kafka.reconnect.backoff.max.ms=1000"]
        self.port = port
        self.log = open(os.path.join(workdir, "monitor.log"), "a")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.args, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("[monitor-browser] FAILED: the monitor did not become ready; see monitor.log")

    def stop(self, strict=False):
        """SIGTERM; with `strict`, a monitor that needs SIGKILL (or exits other than 0) fails the run."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                status = self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                if strict:
                    raise SystemExit("[monitor-browser] FAILED: the monitor did not stop within 15 s of SIGTERM "
                                     "with the page open")
                return
            if strict and status != 0:
                raise SystemExit(f"[monitor-browser] FAILED: the monitor exited {status} on SIGTERM")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,900", "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--screenshot", help="save a screenshot of the page with jobs here")
    arguments = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="monitor-browser-")
    broker = MockBroker(arguments.binary, [(TOPIC, 3)], workdir)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "partitioner": "murmur2_random",
                         "linger.ms": 5})

    def produce(job, value):
        producer.produce(TOPIC, key=job.encode(), value=value)
        producer.flush(30)

    for index in range(60):
        job = f"job-{index:03d}"
        backend = BACKENDS[index % len(BACKENDS)]
        producer.produce(TOPIC, key=job.encode(), value=record(job, "QUEUED", "waiting", backend))
        producer.produce(TOPIC, key=job.encode(),
                         value=record(job, STATUSES[index % len(STATUSES)], f"step {index}", backend))
    producer.produce(TOPIC, key=b"evil", value=record("evil", "RUNNING", HOSTILE, "ibm_kyiv"))
    producer.flush(30)

    monitor = Monitor(arguments.binary, broker.bootstrap, free_port(), workdir)
    driver = None
    check = Check()
    try:
        monitor.start()
        driver = browser()
        driver.get(f"http://127.0.0.1:{monitor.port}/")

        def rows():
            return {row.get_attribute("data-job-id"): row
                    for row in driver.find_elements(By.CSS_SELECTOR, "#job-table tbody tr")}

        def feed_state():
            return driver.find_element(By.TAG_NAME, "body").get_attribute("data-feed")

        # 1. what is in the topic
        check.wait("the page shows the 61 jobs already in the topic", lambda: len(rows()) == 61)
        check.wait("the header counts them, and the bars count ERROR",
                   lambda: driver.find_element(By.ID, "total").text == "61 jobs"
                   and driver.find_element(By.CSS_SELECTOR, '#status-bars .bar[data-status="ERROR"] .count').text
                   == "12")
        check.expect("a job's cells hold its status, message and backend",
                     [cell.text for cell in rows()["job-007"].find_elements(By.TAG_NAME, "td")][:4]
                     == ["job-007", STATUSES[7 % 5], "step 7", BACKENDS[7 % 3]])

        # 5. hostile text is text
        evil_cells = rows()["evil"].find_elements(By.TAG_NAME, "td")
        check.expect("a hostile status_msg shows as its characters", evil_cells[2].get_attribute("textContent") == HOSTILE)
        check.expect("it made no element", not driver.find_elements(By.CSS_SELECTOR, "#job-table img, #job-table script"))
        check.expect("it ran nothing", driver.execute_script("return window.__pwned") is None)
        try:
            driver.switch_to.alert
            check.expect("no alert opened", False)
        except NoAlertPresentException:
            check.expect("no alert opened", True)
        evil_cells[0].click()
        check.wait("the job's detail shows its canonical record, as text",
                   lambda: driver.execute_script(
                       "return JSON.parse(document.getElementById('detail-record').textContent).status_msg")
                   == HOSTILE and driver.execute_script("return window.__pwned") is None)

        if arguments.screenshot:
            driver.find_element(By.ID, "close-detail").click()
            driver.execute_script("window.scrollTo(0, 0)")
            time.sleep(0.5)  # the rate chart's next refresh, for the picture only
            os.makedirs(os.path.dirname(os.path.abspath(arguments.screenshot)), exist_ok=True)
            driver.save_screenshot(arguments.screenshot)
            print(f"[monitor-browser] screenshot: {arguments.screenshot}", flush=True)

        # 2. live
        produce("live-1", record("live-1", "RUNNING", "just started", "ibm_brisbane"))
        check.wait("a record produced now appears without a reload",
                   lambda: "live-1" in rows() and list(rows())[0] == "live-1")
        produce("job-001", record("job-001", "DONE", "finished live", "ibm_sherbrooke"))
        check.wait("a job that changes moves to the top with its new status",
                   lambda: list(rows())[0] == "job-001"
                   and rows()["job-001"].find_elements(By.TAG_NAME, "td")[1].text == "DONE")

        # 3. filters and search
        Select(driver.find_element(By.ID, "status-filter")).select_by_value("ERROR")
        check.wait("the status filter keeps only ERROR jobs",
                   lambda: rows() and all(row.find_elements(By.TAG_NAME, "td")[1].text == "ERROR"
                                          for row in rows().values())
                   and len(rows()) == len([i for i in range(60) if i % 5 == 3]))
        Select(driver.find_element(By.ID, "status-filter")).select_by_value("")
        search = driver.find_element(By.ID, "search")
        search.send_keys("job-01")
        check.wait("the search keeps the job_ids with that prefix",
                   lambda: set(rows()) == {f"job-{i:03d}" for i in range(10, 20)})
        search.clear()
        search.send_keys(" ")  # clear() fires no input event
        search.clear()
        check.wait("an empty search shows every job again", lambda: len(rows()) == 62)

        # 4. tombstones
        produce("job-002", None)
        check.wait("a tombstone removes the job", lambda: "job-002" not in rows() and len(rows()) == 61)

        # 6. the broker goes away and comes back
        for broker_id in (1, 2, 3):
            broker.command(f"down {broker_id}")
        check.wait("with every broker down the page says Kafka is unreachable",
                   lambda: feed_state() == "kafka-unreachable"
                   and "unreachable" in driver.find_element(By.ID, "banner").text, timeout=60)
        for broker_id in (1, 2, 3):
            broker.command(f"up {broker_id}")
        produce("after-outage", record("after-outage", "QUEUED", "written after the outage", "ibm_kyiv"))
        check.wait("brought back, the page catches up and says so",
                   lambda: "after-outage" in rows() and feed_state() == "live"
                   and not driver.find_element(By.ID, "banner").is_displayed(), timeout=60)

        # 7. the monitor restarts (SIGTERM with the page's stream open): the stream drops, the
        #    page says so, then reloads
        monitor.stop(strict=True)
        check.wait("with the monitor gone the page says it is disconnected",
                   lambda: feed_state() == "disconnected"
                   and "Disconnected" in driver.find_element(By.ID, "banner").text)
        monitor.start()
        produce("after-restart", record("after-restart", "RUNNING", "seen by the new run", "ibm_kyiv"))
        check.wait("the monitor back, the page reloads and follows again",
                   lambda: feed_state() == "live" and "after-restart" in rows() and len(rows()) == 63, timeout=60)

        # job_ids with spaces and slashes: searched for, and shown in detail
        produce("a b/c", record("a b/c", "QUEUED", "an id with a space and a slash", "ibm kyiv"))
        check.wait("a job whose id has a space and a slash appears", lambda: "a b/c" in rows())
        search = driver.find_element(By.ID, "search")
        search.send_keys("a b")
        check.wait("searching for a prefix with a space finds it", lambda: list(rows()) == ["a b/c"])
        rows()["a b/c"].find_elements(By.TAG_NAME, "td")[0].click()
        check.wait("its detail opens under its own id",
                   lambda: driver.find_element(By.ID, "detail-title").text == "a b/c")
    finally:
        if driver:
            driver.quit()
        monitor.stop()
        broker.stop()
    print(f"[monitor-browser] all {len(check.passed)} checks passed", flush=True)


if __name__ == "__main__":
    main()
