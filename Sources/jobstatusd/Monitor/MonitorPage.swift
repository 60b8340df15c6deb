import Hummingbird

/// The monitor's page: one HTML document, a style sheet and a small script, embedded in the
/// binary (no build step). Everything from the topic is put in the page as text
/// (`textContent`), never as markup: a status_msg of `<script>` shows those characters.
enum MonitorPage {
    static func response(_ body: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: type, .cacheControl: "no-cache",
                .contentSecurityPolicy:
                    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
                .contentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>jobstatusd monitor</title>
        <link rel="stylesheet" href="/monitor.css">
        </head>
        <body>
        <header>
          <h1>jobstatusd monitor</h1>
          <span id="total" class="muted"></span>
          <div id="banner" role="status" hidden></div>
        </header>
        <main>
          <section id="overview">
            <div class="card"><h2>Jobs by status</h2><div id="status-bars"></div></div>
            <div class="card"><h2>Transitions per second <span id="rate-now" class="muted"></span></h2>
              <canvas id="rate" width="600" height="110" aria-label="transitions per second, last 5 minutes"></canvas></div>
          </section>
          <section id="jobs" class="card">
            <form id="filters" autocomplete="off">
              <label>Status <select id="status-filter"><option value="">all</option></select></label>
              <label>Backend <select id="backend-filter"><option value="">all</option></select></label>
              <label>Search <input id="search" type="search" placeholder="job_id prefix"></label>
            </form>
            <table id="job-table">
              <thead><tr><th>job_id</th><th>status</th><th>status_msg</th><th>backend</th><th>last change</th></tr></thead>
              <tbody></tbody>
            </table>
            <button id="more" type="button" hidden>more</button>
          </section>
          <aside id="detail" class="card" hidden>
            <button id="close-detail" type="button">close</button>
            <h2 id="detail-title"></h2>
            <pre id="detail-record"></pre>
            <h3>Transitions seen</h3>
            <ol id="detail-transitions"></ol>
          </aside>
        </main>
        <script src="/monitor.js"></script>
        </body>
        </html>
        """#

    static let css = #"""
        :root { --bg: #0f1419; --card: #1a2029; --text: #e6e6e6; --muted: #8a939e; --line: #2b3340;
          --INITIALIZING: #8a939e; --QUEUED: #b48ead; --VALIDATING: #88c0d0; --RUNNING: #5e9cf5;
          --DONE: #5fb878; --CANCELLED: #d08770; --ERROR: #e05561; --other: #c0a060; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--text); }
        header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
        h1 { font-size: 1.2em; margin: 0; } h2 { font-size: 1em; margin: 0 0 .5em; } h3 { font-size: .95em; }
        .muted { color: var(--muted); font-weight: normal; }
        #banner { padding: .3em .8em; border-radius: 4px; background: #7a5a00; color: #fff; font-weight: 600; }
        #banner.bad { background: #a3202c; }
        main { display: grid; grid-template-columns: 1fr; gap: 1em; padding: 1em; }
        @media (min-width: 1100px) { main:has(#detail:not([hidden])) { grid-template-columns: 2fr 1fr; } #overview, #jobs { grid-column: 1; } #detail { grid-column: 2; grid-row: 1 / span 2; } }
        #overview { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .8em; }
        .bar { display: grid; grid-template-columns: 8em 1fr 5em; gap: .5em; align-items: center; margin: .15em 0; cursor: pointer; }
        .bar .fill { height: 1em; border-radius: 3px; min-width: 2px; }
        .bar .count { text-align: right; font-variant-numeric: tabular-nums; }
        canvas { width: 100%; height: 110px; }
        form { display: flex; gap: 1em; flex-wrap: wrap; margin-bottom: .6em; }
        select, input { background: var(--bg); color: var(--text); border: 1px solid var(--line); border-radius: 4px; padding: .2em .4em; }
        table { width: 100%; border-collapse: collapse; table-layout: fixed; }
        th, td { text-align: left; padding: .25em .4em; border-bottom: 1px solid var(--line); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        th:nth-child(1) { width: 22%; } th:nth-child(2) { width: 13%; } th:nth-child(4) { width: 13%; } th:nth-child(5) { width: 14%; }
        tbody tr { cursor: pointer; } tbody tr:hover { background: #222a35; }
        tr.fresh { animation: fresh 1.5s ease-out; } @keyframes fresh { from { background: #35506e; } to { background: transparent; } }
        .status { font-weight: 600; }
        pre { white-space: pre-wrap; word-break: break-all; background: var(--bg); padding: .6em; border-radius: 4px; }
        button { background: var(--line); color: var(--text); border: 0; border-radius: 4px; padding: .3em .8em; cursor: pointer; }
        """#

    static let script = #"""
        "use strict";
        // Everything that comes from the topic is set with textContent: shown, never run.
        const $ = (id) => document.getElementById(id);
        const knownStatuses = ["INITIALIZING", "QUEUED", "VALIDATING", "RUNNING", "CANCELLED", "DONE", "ERROR"];
        const maxRows = 200;
        let nextCursor = null, lastEventId = null, events = null, streamDown = false, feed = null;
        // Only the latest request of each kind may change the page; transitions that arrive while
        // a page of jobs loads are applied after it, so that the load does not undo them.
        let jobsRequest = 0, detailRequest = 0, loading = false, held = [];

        const filters = () => ({ status: $("status-filter").value, backend: $("backend-filter").value, q: $("search").value.trim() });
        const matches = (job, f) => (!f.status || job.status === f.status) && (!f.backend || job.backend === f.backend) && (!f.q || job.job_id.startsWith(f.q));
        const colour = (status) => knownStatuses.includes(status) ? `var(--${status})` : "var(--other)";
        const when = (ms) => ms > 0 ? new Date(ms).toLocaleTimeString() : "";

        function cell(row, text, cls) { const td = row.insertCell(); td.textContent = text == null ? "" : String(text); td.title = td.textContent; if (cls) td.className = cls; return td; }

        function rowFor(job) {
          const row = document.createElement("tr");
          row.dataset.jobId = job.job_id;
          row.dataset.sequence = String(job.sequence);
          cell(row, job.job_id);
          cell(row, job.status, "status").style.color = colour(job.status);
          cell(row, job.status_msg);
          cell(row, job.backend);
          cell(row, when(job.changed_at));
          row.addEventListener("click", () => showDetail(job.job_id));
          return row;
        }

        function findRow(jobId) {
          for (const row of $("job-table").tBodies[0].rows) if (row.dataset.jobId === jobId) return row;
          return null;
        }

        async function getJSON(path) {
          const response = await fetch(path, { cache: "no-store" });
          if (!response.ok) throw new Error(`${path}: ${response.status}`);
          return response.json();
        }

        // encodeURIComponent, not URLSearchParams: that writes a space as "+", which the server
        // takes as it is.
        const query = (pairs) => pairs.filter(([, v]) => v).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");

        async function loadJobs(append) {
          const mine = ++jobsRequest;
          const f = filters();
          loading = true;
          try {
            const page = await getJSON(`/api/jobs?${query([["limit", "100"], ["status", f.status], ["backend", f.backend], ["q", f.q], ["after", append ? nextCursor : ""]])}`);
            if (mine !== jobsRequest) return;
            const body = $("job-table").tBodies[0];
            if (!append) body.replaceChildren();
            for (const job of page.jobs) { const old = findRow(job.job_id); if (old) old.remove(); body.appendChild(rowFor(job)); }
            nextCursor = page.next;
            $("more").hidden = !nextCursor;
          } finally {
            if (mine === jobsRequest) { loading = false; const waiting = held; held = []; waiting.forEach(applyTransition); }
          }
        }

        function setOptions(select, values) {
          const chosen = select.value;
          // A chosen value that left the summary stays chosen (the table still shows that filter).
          const wanted = ["", ...values, ...(chosen && !values.includes(chosen) ? [chosen] : [])];
          const have = Array.from(select.options).map((o) => o.value);
          if (wanted.join("\n") === have.join("\n")) return;
          select.replaceChildren();
          for (const value of wanted) { const o = document.createElement("option"); o.value = value; o.textContent = value || "all"; select.appendChild(o); }
          select.value = wanted.includes(chosen) ? chosen : "";
        }

        function renderSummary(summary) {
          $("total").textContent = `${summary.jobs} jobs`;
          const bars = $("status-bars");
          bars.replaceChildren();
          const most = Math.max(1, ...summary.by_status.map((s) => s.jobs));
          for (const entry of summary.by_status) {
            const bar = document.createElement("div");
            bar.className = "bar";
            bar.dataset.status = entry.status;
            const name = document.createElement("span"); name.textContent = entry.status;
            const track = document.createElement("div");
            const fill = document.createElement("div"); fill.className = "fill";
            fill.style.width = `${(100 * entry.jobs) / most}%`; fill.style.background = colour(entry.status);
            track.appendChild(fill);
            const count = document.createElement("span"); count.className = "count"; count.textContent = String(entry.jobs);
            bar.append(name, track, count);
            bar.addEventListener("click", () => { $("status-filter").value = entry.status; loadJobs(false); });
            bars.appendChild(bar);
          }
          setOptions($("status-filter"), summary.by_status.map((s) => s.status));
          setOptions($("backend-filter"), summary.by_backend.map((b) => b.backend));
          drawRate(summary.transitions_per_second);
          renderFeed(summary.feed);
        }

        function drawRate(perSecond) {
          const canvas = $("rate"), ctx = canvas.getContext("2d");
          const w = canvas.width, h = canvas.height, most = Math.max(1, ...perSecond);
          ctx.clearRect(0, 0, w, h);
          ctx.strokeStyle = "#5e9cf5"; ctx.lineWidth = 2; ctx.beginPath();
          perSecond.forEach((value, i) => { const x = (i / Math.max(1, perSecond.length - 1)) * w, y = h - 4 - (value / most) * (h - 8); if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
          ctx.stroke();
          const recent = perSecond.slice(-10);
          $("rate-now").textContent = `${(recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length)).toFixed(1)}/s now, peak ${most}/s`;
        }

        function renderFeed(state) {
          if (state) feed = state;
          const banner = $("banner");
          let text = "", bad = false;
          if (streamDown) { text = "Disconnected from the monitor: reconnecting… (the table may be stale)"; bad = true; }
          else if (feed && !feed.connected) { text = "Kafka unreachable: showing the last known state"; bad = true; }
          else if (feed && !feed.loaded) { text = `Catching up: reading the topic (${feed.read} records so far)`; }
          else if (feed && feed.unread > 1000) { text = `Catching up: ${feed.unread} records behind`; }
          banner.textContent = text;
          banner.hidden = !text;
          banner.className = bad ? "bad" : "";
          document.body.dataset.feed = streamDown ? "disconnected" : feed && !feed.connected ? "kafka-unreachable" : feed && (!feed.loaded || feed.unread > 1000) ? "catching-up" : "live";
        }

        let summaryTimer = null;
        function refreshSummarySoon() {
          if (summaryTimer) return;
          summaryTimer = setTimeout(async () => { summaryTimer = null; try { renderSummary(await getJSON("/api/summary")); } catch (e) {} }, 500);
        }

        function applyTransition(t) {
          if (loading) { held.push(t); return; }
          const existing = findRow(t.job_id);
          if (existing) existing.remove();
          const job = { job_id: t.job_id, status: t.status, status_msg: t.status_msg, backend: t.backend, changed_at: t.at, sequence: t.sequence };
          if (!t.removed && matches(job, filters())) {
            const row = rowFor(job);
            row.classList.add("fresh");
            const body = $("job-table").tBodies[0];
            body.insertBefore(row, body.firstChild);
            if (body.rows.length > maxRows) {
              while (body.rows.length > maxRows) body.deleteRow(-1);
              // "more" goes on below the last row kept, not below the last row loaded.
              nextCursor = body.rows[body.rows.length - 1].dataset.sequence;
              $("more").hidden = false;
            }
          }
          if ($("detail").dataset.jobId === t.job_id) showDetail(t.job_id);
          refreshSummarySoon();
        }

        function connect() {
          const params = lastEventId ? `?last-event-id=${encodeURIComponent(lastEventId)}` : "";
          events = new EventSource(`/api/events${params}`);
          events.addEventListener("open", () => { if (streamDown) { streamDown = false; renderFeed(); refreshSummarySoon(); } });
          events.addEventListener("error", () => {
            streamDown = true;
            renderFeed();
            // An answer that is not an event stream (a proxy's 502, a 401) closes it for good:
            // start over, as on a first load.
            if (events.readyState === EventSource.CLOSED) { events = null; setTimeout(start, 2000); }
          });
          events.addEventListener("transition", (e) => { lastEventId = e.lastEventId; applyTransition(JSON.parse(e.data)); });
          events.addEventListener("feed", (e) => renderFeed(JSON.parse(e.data)));
          events.addEventListener("reset", () => reload());
        }

        async function showDetail(jobId) {
          const mine = ++detailRequest;
          const panel = $("detail");
          panel.dataset.jobId = jobId;
          try {
            const detail = await getJSON(`/api/jobs/${encodeURIComponent(jobId)}`);
            if (mine !== detailRequest) return;
            $("detail-title").textContent = jobId;
            $("detail-record").textContent = JSON.stringify(detail.record, null, 2);
            const list = $("detail-transitions");
            list.replaceChildren();
            for (const t of detail.transitions) {
              const item = document.createElement("li");
              item.textContent = t.removed ? `${when(t.at)} removed` : `${when(t.at)} ${t.status}: ${t.status_msg}`;
              list.appendChild(item);
            }
            if (detail.transitions.length === 0) {
              const item = document.createElement("li");
              item.textContent = "no change seen since the monitor read the topic";
              list.appendChild(item);
            }
          } catch (e) {
            if (mine !== detailRequest) return;
            $("detail-title").textContent = `${jobId}: no longer in the topic`;
            $("detail-record").textContent = "";
            $("detail-transitions").replaceChildren();
          }
          panel.hidden = false;
        }

        async function reload() {
          const summary = await getJSON("/api/summary");
          lastEventId = summary.last_event_id;
          renderSummary(summary);
          await loadJobs(false);
          if (events) events.close();
          connect();
        }

        let searchTimer = null;
        $("search").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => loadJobs(false), 200); });
        $("status-filter").addEventListener("change", () => loadJobs(false));
        $("backend-filter").addEventListener("change", () => loadJobs(false));
        $("filters").addEventListener("submit", (e) => e.preventDefault());
        $("more").addEventListener("click", () => loadJobs(true));
        $("close-detail").addEventListener("click", () => { $("detail").hidden = true; delete $("detail").dataset.jobId; });
        setInterval(refreshSummarySoon, 2000);
        function start() { reload().catch(() => { streamDown = true; renderFeed(); setTimeout(start, 2000); }); }
        start();
        """#
}
