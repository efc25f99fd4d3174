/// The style sheet and the live page's script, served under `/static/` and written beside a
/// report: pages load nothing from elsewhere.
public enum DashboardAssets {
    public static let styleSheet = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2329; background: #fafbfc; }
        nav { background: #23313f; padding: .5em 1.5em; color: #fff; }
        nav a { color: #fff; margin-right: 1.5em; text-decoration: none; font-weight: 600; }
        main { padding: 1em 1.5em; }
        h1 { font-size: 1.35em; } h2 { font-size: 1.1em; margin-top: 1.4em; }
        code, pre { font-family: ui-monospace, monospace; font-size: 12.5px; }
        pre { background: #f0f2f4; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { border-bottom: 1px solid #dde2e6; padding: .3em .5em; text-align: left; vertical-align: top; }
        th { background: #eef1f4; }
        dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
        dl.facts dt { font-weight: 600; }
        .status { padding: 0 .4em; border-radius: 3px; background: #dde2e6; }
        .status.completed, .status.succeeded { background: #c9ecd2; }
        .status.failed { background: #f6c9c9; }
        .status.running { background: #cfe3fa; }
        .status.interrupted, .status.indeterminate, .status.awaiting-operator { background: #fbe7b5; }
        .status.skipped { background: #eceff1; color: #5a6570; }
        svg.track { display: block; width: 100%; min-width: 240px; height: 14px; background: #f0f2f4; border-radius: 2px; }
        .bar { fill: #3b8f52; }
        .bar.failed { fill: #c0392b; } .bar.running { fill: #2e7bcf; }
        .bar.interrupted, .bar.reconciled-again { fill: #e0a020; } .bar.reconciled-done { fill: #7aa85a; }
        .bar.waiting { fill: #f3c54d; }
        #timeline td:nth-child(3) { width: 35%; }
        .step { white-space: nowrap; }
        span.failed, span.interrupted, span.reconciled-again { color: #a5281b; }
        .failure { border-left: 4px solid #c0392b; background: #fdf1f0; padding: .2em 1em; }
        .waiting { border-left: 4px solid #e0a020; background: #fff8e6; padding: .2em 1em; }
        .rollback { color: #a5281b; }
        form.filters label { margin-right: 1em; }
        img.graph { max-width: 100%; background: #fff; border: 1px solid #dde2e6; }
        """

    /// The pages' icon: a ledger's three lines.
    public static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#23313f"/>\
        <path d="M4 5h8M4 8h8M4 11h5" stroke="#fff" stroke-width="1.6"/></svg>
        """

    /// Polls the run's live part while the run can still change, with the version it shows (the
    /// run's event count): the server answers 204 until it differs, then the new part, HTML it
    /// escaped.
    public static let liveScript = """
        "use strict";
        (function () {
          var live = document.getElementById("live");
          if (!live || live.dataset.settled === "true" || !live.dataset.source) return;
          function poll() {
            fetch(live.dataset.source + "?version=" + live.dataset.version, { cache: "no-store" })
              .then(function (response) {
                if (!response.ok) throw new Error("HTTP " + response.status);
                return response.status === 204 ? null : response.text();
              })
              .then(function (text) {
                if (text === null) { setTimeout(poll, 1000); return; }
                var holder = document.createElement("div");
                holder.innerHTML = text;
                var next = holder.firstElementChild;
                if (next && next.dataset.version !== live.dataset.version) {
                  live.replaceWith(next);
                  live = next;
                }
                if (live.dataset.settled !== "true") setTimeout(poll, 1000);
              })
              .catch(function () { setTimeout(poll, 3000); });
          }
          setTimeout(poll, 1000);
        })();
        """
}
