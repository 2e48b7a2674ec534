// The dashboard's script: every read and change goes through the control API (/_sim/v1),
// with the admin token typed into the page sent as a Bearer token. Data is written into the
// page with textContent only, never as markup.
"use strict";

var PoscSim = (function () {
  var API = document.querySelector("script[src*='dashboard.js']").src.replace(/\/dashboard-static\/.*$/, "/v1");
  var TOKEN_KEY = "posc-sim-admin-token";
  var POLL_MS = 1000;
  var MAX_ROWS = 500;
  var CHART_MINUTES = 30;
  var SUCCESSES = ["ok", "accepted", "partially_accepted"];  // a request answered as asked

  function succeeded(entry) { return SUCCESSES.indexOf(entry.outcome) >= 0; }

  function token() { return window.sessionStorage.getItem(TOKEN_KEY) || ""; }

  function call(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (token()) { headers["Authorization"] = "Bearer " + token(); }
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(API + path, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (answer) {
      if (answer.status === 401) {
        say("token-status", "The control API needs the admin token: type it at the top of the page.");
      } else {
        say("token-status", "");
      }
      if (answer.status === 204) { return null; }
      return answer.json().then(function (data) {
        if (!answer.ok) {
          var error = (data && data.error) || {};
          throw new Error(error.message || ("HTTP " + answer.status));
        }
        return data;
      });
    });
  }

  function say(id, text) { document.getElementById(id).textContent = text; }

  function cell(row, text, className) {
    var td = document.createElement("td");
    if (text instanceof Node) { td.appendChild(text); } else { td.textContent = text == null ? "" : String(text); }
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function batchPage(site, number) {
    return API.replace(/\/v1$/, "") + "/batches/" + encodeURIComponent(site) + "/" + encodeURIComponent(number);
  }

  function tokenForm(onChange) {
    var form = document.getElementById("token-form");
    var input = document.getElementById("admin-token");
    input.value = token();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      onChange();
    });
  }

  // -- journal ---------------------------------------------------------------------------------

  function Journal() {
    this.since = null;
    this.generation = 0;
    this.busy = false;
    this.entries = [];
    this.body = document.querySelector("#journal tbody");
    this.filter = document.getElementById("journal-filter");
    var journal = this;
    this.filter.addEventListener("submit", function (event) {
      event.preventDefault();
      journal.restart();
    });
  }

  Journal.prototype.query = function () {
    var fields = { site: "filter-site", channel: "filter-channel", user_id: "filter-user", operation: "filter-operation", tracking_number: "filter-tracking" };
    var parts = [];
    Object.keys(fields).forEach(function (name) {
      var value = document.getElementById(fields[name]).value.trim();
      if (value) { parts.push(name + "=" + encodeURIComponent(value)); }
    });
    if (this.since !== null) { parts.push("since=" + this.since); }
    return parts.length ? "?" + parts.join("&") : "";
  };

  Journal.prototype.restart = function () {
    this.since = null;
    this.entries = [];
    this.body.textContent = "";
    this.generation += 1;
    this.busy = false;
    this.poll();
  };

  // One read at a time; an answer to a read made before a restart (new filters) is dropped.
  Journal.prototype.poll = function () {
    var journal = this;
    var generation = this.generation;
    if (this.busy) { return; }
    this.busy = true;
    call("GET", "/journal" + this.query()).then(function (data) {
      if (generation !== journal.generation) { return; }
      say("journal-error", "");
      data.entries.forEach(function (entry) {
        if (journal.since === null || entry.seq > journal.since) { journal.add(entry); }
      });
      if (data.entries.length) { drawChart(journal.entries); }
    }).catch(function (error) {
      say("journal-error", error.message);
    }).then(function () {
      if (generation === journal.generation) { journal.busy = false; }
    });
  };

  Journal.prototype.add = function (entry) {
    this.since = entry.seq;
    this.entries.push(entry);
    if (this.entries.length > 5000) { this.entries.shift(); }
    var row = document.createElement("tr");
    row.dataset.seq = entry.seq;
    cell(row, entry.seq);
    cell(row, entry.at);
    cell(row, entry.site);
    cell(row, entry.channel);
    cell(row, entry.operation);
    cell(row, entry.user_id);
    cell(row, entry.provider_id);
    cell(row, entry.tracking_number ? link(batchPage(entry.site, entry.tracking_number), entry.tracking_number) : "");
    cell(row, entry.status);
    cell(row, entry.outcome, succeeded(entry) ? "" : "refused");
    if (entry.fault_id) {
      row.className = "fault-fired";
      cell(row, "rule " + entry.fault_id + " fired", "fault");
    } else {
      cell(row, "");
    }
    this.body.insertBefore(row, this.body.firstChild);
    while (this.body.rows.length > MAX_ROWS) { this.body.deleteRow(this.body.rows.length - 1); }
  };

  function drawChart(entries) {
    var svg = document.getElementById("chart");
    var title = document.getElementById("chart-title");
    while (svg.lastChild !== title) { svg.removeChild(svg.lastChild); }
    var last = Math.floor(Date.parse(entries[entries.length - 1].at) / 60000);
    var buckets = [];
    for (var i = 0; i < CHART_MINUTES; i++) { buckets.push({ ok: 0, refused: 0, fault: 0 }); }
    entries.forEach(function (entry) {
      var index = CHART_MINUTES - 1 - (last - Math.floor(Date.parse(entry.at) / 60000));
      if (index < 0 || index >= CHART_MINUTES) { return; }
      var kind = entry.fault_id ? "fault" : (succeeded(entry) ? "ok" : "refused");
      buckets[index][kind] += 1;
    });
    var highest = Math.max.apply(null, buckets.map(function (b) { return b.ok + b.refused + b.fault; }).concat([1]));
    var width = 600 / CHART_MINUTES;
    var colours = { ok: "#2e7d32", refused: "#c62828", fault: "#8a4b00" };
    buckets.forEach(function (bucket, index) {
      var top = 120;
      ["ok", "refused", "fault"].forEach(function (kind) {
        if (!bucket[kind]) { return; }
        var height = 115 * bucket[kind] / highest;
        top -= height;
        var bar = document.createElementNS("http://www.w3.org/2000/svg", "rect");
        bar.setAttribute("x", String(index * width + 1));
        bar.setAttribute("y", String(top));
        bar.setAttribute("width", String(width - 2));
        bar.setAttribute("height", String(height));
        bar.setAttribute("fill", colours[kind]);
        bar.setAttribute("class", "bar-" + kind);
        svg.appendChild(bar);
      });
    });
  }

  // -- fault rules -----------------------------------------------------------------------------

  function describeMatch(match) {
    return Object.keys(match || {}).map(function (key) { return key + "=" + match[key]; }).join(", ");
  }

  function loadFaults() {
    return call("GET", "/faults").then(function (data) {
      var body = document.querySelector("#faults tbody");
      body.textContent = "";
      data.faults.forEach(function (rule) {
        var row = document.createElement("tr");
        row.dataset.ruleId = rule.id;
        cell(row, rule.id);
        cell(row, rule.site || "both");
        cell(row, rule.operation);
        cell(row, describeMatch(rule.match));
        cell(row, JSON.stringify(rule.action));
        cell(row, [rule.times == null ? "∞" : rule.times, rule.after || 0, rule.probability == null ? 1 : rule.probability].join(" / "));
        cell(row, rule.fired);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "secondary";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", "Remove rule " + rule.id);
        remove.addEventListener("click", function () {
          call("DELETE", "/faults/" + encodeURIComponent(rule.id)).then(loadFaults).catch(function (error) {
            say("fault-error", error.message);
          });
        });
        cell(row, remove);
        body.appendChild(row);
      });
    }).catch(function (error) { say("fault-error", error.message); });
  }

  function number(id) {
    var text = document.getElementById(id).value.trim();
    return text === "" ? undefined : Number(text);
  }

  function faultForm() {
    document.getElementById("fault-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var rule;
      try {
        rule = ruleFromForm();
      } catch (error) {
        say("fault-error", error.message);
        return;
      }
      call("POST", "/faults", rule).then(function () {
        say("fault-error", "");
        return loadFaults();
      }).catch(function (error) { say("fault-error", error.message); });
    });
  }

  function ruleFromForm() {
    var text = document.getElementById("fault-parameters").value.trim();
    var parameters = {};
    if (text) {
      try { parameters = JSON.parse(text); } catch (error) {
        throw new Error("Parameters: expected a JSON object such as {\"status\": 503}.");
      }
    }
    var action = Object.assign({}, parameters, { type: document.getElementById("fault-action").value });
    var rule = { operation: document.getElementById("fault-operation").value, action: action };
    var site = document.getElementById("fault-site").value;
    if (site) { rule.site = site; }
    var match = {};
    var user = document.getElementById("fault-user").value.trim();
    var provider = document.getElementById("fault-provider").value.trim();
    if (user) { match.user_id = user; }
    if (provider) { match.provider_id = provider; }
    if (Object.keys(match).length) { rule.match = match; }
    [["times", "fault-times"], ["after", "fault-after"], ["probability", "fault-probability"]].forEach(function (pair) {
      var value = number(pair[1]);
      if (value !== undefined) { rule[pair[0]] = value; }
    });
    return rule;
  }

  // -- clock and reset -------------------------------------------------------------------------

  function showClock(clock) {
    say("clock-now", clock.now);
    say("clock-frozen", clock.frozen ? "(frozen)" : "(running)");
  }

  function loadClock() {
    return call("GET", "/clock").then(showClock).catch(function (error) { say("clock-error", error.message); });
  }

  function clockForm() {
    document.getElementById("clock-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      var set = document.getElementById("clock-set").value.trim();
      var advance = document.getElementById("clock-advance").value.trim();
      var freeze = document.getElementById("clock-freeze").value;
      if (set) { body.set = set; }
      if (advance) { body.advance = /^\d+(\.\d+)?$/.test(advance) ? Number(advance) : advance; }
      if (freeze) { body.freeze = freeze === "true"; }
      call("POST", "/clock", body).then(function (clock) {
        say("clock-error", "");
        showClock(clock);
      }).catch(function (error) { say("clock-error", error.message); });
    });
  }

  function resetForm(after) {
    document.getElementById("reset-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { dataset: document.getElementById("reset-dataset").value };
      var site = document.getElementById("reset-site").value;
      var seed = number("reset-seed");
      if (site) { body.site = site; }
      if (seed !== undefined) { body.seed = seed; }
      say("reset-result", "");
      call("POST", "/reset", body).then(function () {
        say("reset-error", "");
        say("reset-result", "Reset " + (site || "both sites") + " with the " + body.dataset +
          " data set" + (seed !== undefined ? " and seed " + seed : "") + ".");
        after();
      }).catch(function (error) { say("reset-error", error.message); });
    });
  }

  // -- pages -----------------------------------------------------------------------------------

  function overview() {
    var journal = new Journal();
    function refresh() {
      journal.restart();
      loadFaults();
      loadClock();
    }
    tokenForm(refresh);
    faultForm();
    clockForm();
    resetForm(refresh);
    refresh();
    window.setInterval(function () {
      journal.poll();
      loadClock();
    }, POLL_MS);
    window.setInterval(loadFaults, POLL_MS * 3);
  }

  function findingRows(report) {
    var rows = [];
    (report.files || []).forEach(function (file) {
      if (file.unreadable_note) { rows.push([file.name, "", "", "", "", "", file.unreadable_note, "not readable as X12 (TA1)"]); }
      (file.interchanges || []).forEach(function (interchange) {
        if (interchange.note_code) {
          rows.push([file.name, interchange.control_number, "", "", "ISA", "", interchange.note_code, "interchange refused (TA1)"]);
        }
        (interchange.groups || []).forEach(function (group) {
          (group.codes || []).forEach(function (code) {
            rows.push([file.name, interchange.control_number, group.control_number, "", "GS", "", code, "group refused (AK9)"]);
          });
          (group.sets || []).forEach(function (set) {
            var name = set.set_id + " " + set.control_number;
            (set.codes || []).forEach(function (code) {
              rows.push([file.name, interchange.control_number, group.control_number, name, "", "", code, "set rejected (IK5)"]);
            });
            (set.segment_errors || []).forEach(function (segment) {
              var where = segment.tag + " at " + segment.position + (segment.loop ? " (loop " + segment.loop + ")" : "");
              rows.push([file.name, interchange.control_number, group.control_number, name, where, "", segment.code, "segment error (IK3)"]);
              (segment.elements || []).forEach(function (element) {
                var what = element.position + (element.reference ? " (" + element.reference + ")" : "") + (element.value ? ": " + element.value : "");
                rows.push([file.name, interchange.control_number, group.control_number, name, where, what, element.code, "element error (IK4)"]);
              });
            });
          });
        });
      });
    });
    return rows;
  }

  function batch(site, number) {
    function load() {
      call("GET", "/batches/" + encodeURIComponent(site) + "/" + encodeURIComponent(number)).then(function (data) {
        say("batch-error", "");
        var summary = document.querySelector("#batch-summary tbody");
        summary.textContent = "";
        [["Status", data.status], ["Provider", data.provider_id], ["Transaction type", data.transaction_type],
         ["Received", data.received_at], ["Files", data.files.map(function (f) { return f.name + " (" + f.size + " bytes)"; }).join(", ")]
        ].forEach(function (pair) {
          var row = document.createElement("tr");
          var th = document.createElement("th");
          th.scope = "row";
          th.textContent = pair[0];
          row.appendChild(th);
          cell(row, pair[1], pair[0] === "Status" ? "batch-status" : "");
          summary.appendChild(row);
        });
        var findings = document.querySelector("#findings tbody");
        findings.textContent = "";
        var rows = findingRows(data.report || {});
        rows.forEach(function (values) {
          var row = document.createElement("tr");
          values.forEach(function (value) { cell(row, value); });
          findings.appendChild(row);
        });
        document.getElementById("no-findings").hidden = rows.length > 0 || !data.report;
        var files = document.querySelector("#response-files tbody");
        files.textContent = "";
        data.response_files.forEach(function (file) {
          var row = document.createElement("tr");
          [file.file_id, file.file_name, file.transaction_type, file.size, file.date_available, file.date_last_downloaded || ""].forEach(function (value) { cell(row, value); });
          files.appendChild(row);
        });
      }).catch(function (error) { say("batch-error", error.message); });
    }
    tokenForm(load);
    load();
    window.setInterval(load, POLL_MS * 2);
  }

  return { overview: overview, batch: batch };
})();
