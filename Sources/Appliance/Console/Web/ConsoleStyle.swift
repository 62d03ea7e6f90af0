/// `/console.css`: a projector-readable page that becomes one card per client on a phone.
enum ConsoleStyle {
    static let text = #"""
        :root { --ink: #1d2330; --muted: #5d6675; --line: #d8dde6; --bg: #f4f6f9; --card: #fff;
                --done: #1f8a4c; --failed: #c62828; --cloning: #1565c0; --booting: #8a6d00; }
        * { box-sizing: border-box; }
        body { margin: 0; padding: 12px 16px 32px; font: 15px/1.4 "DejaVu Sans", system-ui, sans-serif;
               color: var(--ink); background: var(--bg); }
        header { display: flex; align-items: baseline; justify-content: space-between; gap: 12px; flex-wrap: wrap; }
        h1 { font-size: 22px; margin: 4px 0 10px; }
        h1 .name { color: var(--cloning); }
        h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 8px; }
        .live { margin: 0; font-size: 13px; color: var(--muted); }
        .live.on::before { content: "● "; color: var(--done); }
        .live.off::before { content: "● "; color: var(--failed); }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-bottom: 12px; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
        dt { color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; }
        .mono, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg); padding: 8px; border-radius: 6px; margin: 4px 0 10px; }
        .totals { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px; text-align: center; }
        .total { border-radius: 6px; padding: 6px 2px; background: var(--bg); font-size: 13px; color: var(--muted); }
        .total span { display: block; font-size: 26px; font-weight: bold; }
        .total.done span { color: var(--done); } .total.failed span { color: var(--failed); }
        .total.cloning span { color: var(--cloning); } .total.booting span { color: var(--booting); }
        #chart { width: 100%; height: 130px; background: var(--bg); border-radius: 6px; }
        polyline { fill: none; stroke-width: 2; vector-effect: non-scaling-stroke; }
        polyline.download, .key.download { stroke: var(--cloning); background: var(--cloning); }
        polyline.upload, .key.upload { stroke: var(--done); background: var(--done); }
        .legend { font-size: 13px; color: var(--muted); margin: 6px 0 0; }
        .key { display: inline-block; width: 14px; height: 4px; margin: 0 4px 3px 8px; vertical-align: middle; }
        table { width: 100%; border-collapse: collapse; font-size: 14px; }
        th { text-align: left; font-size: 12px; color: var(--muted); font-weight: normal; border-bottom: 1px solid var(--line); padding: 4px 6px; }
        td { padding: 6px; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
        td:nth-child(3), td:nth-child(9) { white-space: normal; overflow-wrap: anywhere; }
        .nowrap { white-space: nowrap; }
        .table-wrap { overflow-x: auto; }
        progress { width: 110px; height: 12px; vertical-align: middle; accent-color: var(--cloning); }
        .state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: var(--bg); }
        .state-done .state { background: #dff3e6; color: var(--done); }
        .state-done progress { accent-color: var(--done); }
        .state-failed .state { background: #fde3e3; color: var(--failed); }
        .state-failed td:last-child { color: var(--failed); }
        .state-booting .state { background: #fbf0c8; color: var(--booting); }
        .state-downloading .state, .state-seeding .state, .state-checking .state, .state-starting .state { background: #e1ecfb; color: var(--cloning); }
        .empty { color: var(--muted); }
        a { color: var(--cloning); overflow-wrap: anywhere; }
        @media (max-width: 700px) {
          body { padding: 8px 8px 24px; font-size: 14px; }
          thead { display: none; }
          table, tbody, tr, td { display: block; width: 100%; }
          tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: 8px; padding: 4px 8px; }
          td { border: 0; padding: 2px 0; white-space: normal; display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 8px; }
          td::before { content: attr(data-label); flex: 0 0 88px; color: var(--muted); font-size: 12px; }
          td:empty { display: none; }
          progress { width: 100%; max-width: 160px; }
        }

        """#
}
