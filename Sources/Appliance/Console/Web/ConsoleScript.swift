/// `/console.js`: follows `/api/events` and redraws the page's figures, rows and chart. It
/// writes text only with `textContent` (never as HTML), so whatever a client reported shows as
/// the characters it sent. No library, no build step: it is served as written here.
enum ConsoleScript {
    static let text = #"""
        "use strict";
        (function () {
          var columns = ["Machine", "State", "Disk", "Progress", "Down", "Up", "Reused", "ETA / time", "Error"];
          var history = [];
          var updates = 0;
          function $(id) { return document.getElementById(id); }
          function bytes(n) {
            var units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"], unit = 0;
            if (n < 1024) { return n + " B"; }
            while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit += 1; }
            return n.toFixed(1) + " " + units[unit];
          }
          function rate(n) { return bytes(n) + "/s"; }
          function two(n) { return n < 10 ? "0" + n : "" + n; }
          function clock(s) {
            return s >= 3600 ? Math.floor(s / 3600) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60)
                             : Math.floor(s / 60) + ":" + two(s % 60);
          }
          function set(id, value) { var el = $(id); if (el) { el.textContent = value; } }
          function cell(tr, index, build) {
            var td = document.createElement("td");
            td.dataset.label = columns[index];
            build(td);
            tr.appendChild(td);
          }
          function textCell(tr, index, value) { cell(tr, index, function (td) { td.textContent = value; }); }
          function row(r) {
            var tr = document.createElement("tr");
            tr.dataset.id = r.id;
            tr.className = "state-" + String(r.state).replace(/[^a-z]/g, "").slice(0, 16);
            cell(tr, 0, function (td) {
              var parts = [r.mac, r.address === "-" ? null : r.address].filter(function (p) { return p; });
              if (parts.length === 0) { parts = [r.id]; }
              parts.forEach(function (p, i) {
                if (i > 0) { td.appendChild(document.createElement("br")); }
                var span = document.createElement("span");
                span.className = "nowrap";
                span.textContent = p;
                td.appendChild(span);
              });
            });
            cell(tr, 1, function (td) {
              var span = document.createElement("span");
              span.className = "state";
              span.textContent = r.state;
              td.appendChild(span);
            });
            textCell(tr, 2, r.target || (r.boot ? "booting " + r.boot + (r.firmware ? " (" + r.firmware + ")" : "") : "-"));
            cell(tr, 3, function (td) {
              var bar = document.createElement("progress");
              bar.max = 1;
              bar.value = r.progress;
              var percent = document.createElement("span");
              percent.className = "percent";
              percent.textContent = (r.progress * 100).toFixed(1) + " %";
              td.appendChild(bar);
              td.appendChild(document.createTextNode(" "));
              td.appendChild(percent);
            });
            textCell(tr, 4, r.state === "downloading" ? rate(r.rate) : "-");
            textCell(tr, 5, r.upload_rate === undefined ? "-" : rate(r.upload_rate));
            textCell(tr, 6, r.reused === undefined ? "-" : bytes(r.reused));
            var time = (r.finished || r.state === "failed") ? (r.seconds === undefined ? null : clock(r.seconds))
                                                            : (r.eta === undefined ? null : "ETA " + clock(r.eta));
            textCell(tr, 7, time || "-");
            textCell(tr, 8, r.error || "");
            return tr;
          }
          function status(s) {
            var body = $("rows");
            var fresh = document.createElement("tbody");
            fresh.id = "rows";
            s.rows.forEach(function (r) { fresh.appendChild(row(r)); });
            body.parentNode.replaceChild(fresh, body);
            $("empty").hidden = s.rows.length > 0;
            ["done", "cloning", "failed", "booting"].forEach(function (k) { set("total-" + k, String(s.totals[k])); });
            set("eta", s.eta === undefined ? "-" : clock(s.eta));
            set("download-rate", rate(s.download_rate));
            set("upload-rate", rate(s.upload_rate));
            set("uploaded", bytes(s.uploaded) + " (" + s.upload_ratio.toFixed(2) + "× the image)");
            updates += 1;
            document.body.dataset.updates = String(updates);
          }
          function chart() {
            var width = 600, height = 160;
            if (history.length === 0) { return; }
            var t0 = history[0].t, t1 = Math.max(history[history.length - 1].t, t0 + 1);
            var top = 1;
            history.forEach(function (p) { top = Math.max(top, p.download, p.upload); });
            function line(key) {
              return history.map(function (p) {
                var x = (p.t - t0) / (t1 - t0) * width, y = height - p[key] / top * (height - 4);
                return x.toFixed(1) + "," + y.toFixed(1);
              }).join(" ");
            }
            $("line-download").setAttribute("points", line("download"));
            $("line-upload").setAttribute("points", line("upload"));
            set("chart-scale", "· top " + rate(top) + " · last " + clock(Math.round(t1 - t0)));
          }
          function sample(s) {
            history.push({ t: s.t, download: s.download_rate, upload: s.upload_rate });
            if (history.length > 1800) { history = history.filter(function (_, i) { return i % 2 === 1; }); }
          }
          function follow() {
            var source = new EventSource("/api/events");
            source.onopen = function () { set("live", "live"); $("live").className = "live on"; };
            source.onerror = function () { set("live", "reconnecting…"); $("live").className = "live off"; };
            source.onmessage = function (message) {
              var event;
              try { event = JSON.parse(message.data); } catch (e) { return; }
              if (event.event === "status") {
                if (history.length === 0 || event.t > history[history.length - 1].t) { sample(event); }
                status(event);
                chart();
              } else if (event.event === "end") {
                set("live", "the seeder stopped");
                $("live").className = "live off";
                source.close();
              }
            };
          }
          fetch("/api/status").then(function (r) { return r.json(); }).then(function (lab) {
            history = lab.history;
            status(lab.status);
            chart();
          }).catch(function () {}).then(follow);
        })();

        """#
}
