extension ReplayReport {
    /// The page's style sheet: no web fonts, no images, nothing fetched.
    static let htmlStyle = """
        :root { --bad: #c62828; --bad-bg: #fdecea; --good: #2e7d32; --good-bg: #e8f5e9; --warn: #ef6c00;
          --warn-bg: #fff3e0; --line: #d0d7de; --dim: #57606a; --del: #ffebe9; --del-strong: #ffc1bd;
          --add: #e6ffec; --add-strong: #abf2bc; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
          margin: 0 auto; max-width: 1240px; padding: 16px 24px 48px; background: #fff; }
        code, pre, .sbs td { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
        h1 { font-size: 22px; margin: 0 0 8px; }
        h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
        h3 { font-size: 14px; margin: 0 0 6px; font-weight: 600; word-break: break-all; }
        a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
        .meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
        .meta dt { color: var(--dim); } .meta dd { margin: 0; word-break: break-all; }
        .verdict { margin: 16px 0 12px; padding: 14px 18px; border-radius: 8px; font-size: 18px; font-weight: 700;
          word-break: break-word; }
        .verdict.good { background: var(--good-bg); color: var(--good); border: 2px solid var(--good); }
        .verdict.bad { background: var(--bad-bg); color: var(--bad); border: 2px solid var(--bad); }
        .cards { display: flex; flex-wrap: wrap; gap: 8px; }
        .card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 110px; background: #f6f8fa; }
        .card .n { display: block; font-size: 22px; font-weight: 700; }
        .card .l { color: var(--dim); font-size: 12px; }
        .card.bad { background: var(--bad-bg); border-color: var(--bad); } .card.bad .n { color: var(--bad); }
        .card.good .n { color: var(--good); }
        nav { margin-top: 12px; color: var(--dim); }
        table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
        th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
        td { word-break: break-word; } th { background: #f6f8fa; font-weight: 600; }
        td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .none, .dim { color: var(--dim); } .none { font-style: italic; }
        .cut { color: var(--dim); font-style: italic; }
        .absent { color: var(--dim); font-style: italic; }
        .ctl { background: #fff3b0; color: #7a4d00; border-radius: 3px; padding: 0 2px; font-family: ui-monospace, Menlo, monospace; }
        .tag { background: #eef1f4; border-radius: 10px; padding: 1px 8px; font-size: 12px; }
        .badge { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 12px; font-weight: 600;
          color: #fff; background: #6e7781; }
        .badge.v-same { background: var(--good); } .badge.v-differs { background: var(--bad); }
        .badge.v-missing { background: #8250df; } .badge.v-extra { background: var(--warn); }
        .badge.sev-error { background: var(--bad); } .badge.sev-warning { background: var(--warn); }
        .badge.sev-info { background: #0969da; }
        tr.sev-error td { background: var(--bad-bg); }
        .warning { background: var(--warn-bg); border-left: 4px solid var(--warn); padding: 6px 10px; margin: 6px 0;
          font-weight: 600; word-break: break-word; }
        .stopped, .finding { padding: 6px 10px; margin: 6px 0; border-radius: 6px; word-break: break-word; }
        .stopped { background: var(--bad-bg); border-left: 4px solid var(--bad); }
        .finding.sev-error { background: var(--bad-bg); } .finding.sev-warning { background: var(--warn-bg); }
        td.error, p.error { color: var(--bad); }
        tr.slower td { background: var(--warn-bg); }
        .toolbar { margin: 0 0 10px; padding: 8px; background: #f6f8fa; border-radius: 6px; }
        .toolbar button { font: inherit; padding: 2px 10px; }
        body.hide-clean .conv.clean { display: none; }
        .conv { border: 1px solid var(--line); border-radius: 8px; margin: 10px 0; padding: 0 12px; }
        .conv.regressed { border-left: 5px solid var(--bad); } .conv.clean { border-left: 5px solid var(--good); }
        .conv > details > summary { cursor: pointer; padding: 10px 0; font-size: 15px; }
        .cid { font-weight: 700; } .counts .badge { margin-left: 2px; }
        table.messages tr.v-differs td, table.messages tr.v-missing td, table.messages tr.v-extra td { background: #fff8f7; }
        article.msg { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin: 12px 0; }
        article.msg.v-differs { border-top: 3px solid var(--bad); } article.msg.v-missing { border-top: 3px solid #8250df; }
        article.msg.v-extra { border-top: 3px solid var(--warn); }
        details.request > summary { cursor: pointer; color: var(--dim); }
        pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px; margin: 6px 0;
          white-space: pre-wrap; word-break: break-all; max-height: 320px; overflow: auto; }
        table.fields td.del { background: var(--del); } table.fields td.add { background: var(--add); }
        table.fields td { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
        .diffwrap { max-height: 520px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
        table.sbs { table-layout: fixed; margin: 0; }
        table.sbs col.ln { width: 44px; } table.sbs td, table.sbs th { border-width: 0 1px 0 0; padding: 0 6px; }
        table.sbs thead th { border-bottom: 1px solid var(--line); position: sticky; top: 0; }
        table.sbs td.tx { white-space: pre-wrap; word-break: break-all; }
        table.sbs td.ln { color: var(--dim); text-align: right; user-select: none; background: #f6f8fa; }
        table.sbs td.del { background: var(--del-strong); } table.sbs td.add { background: var(--add-strong); }
        table.sbs td.empty { background: #f0f0f0; }
        table.sbs tr.gap td { background: #eef4fb; color: var(--dim); text-align: center; font-style: italic; }
        svg.chart { max-width: 100%; height: auto; display: block; margin: 8px 0; }
        svg.chart text { font: 12px system-ui, sans-serif; fill: #1f2328; }
        svg.chart text.val { fill: var(--dim); font-size: 10px; }
        svg.chart g.slower text.key { fill: var(--bad); font-weight: 700; }
        .s-rec50 { fill: #7aa6d6; } .s-rep50 { fill: #f08c3c; } .s-rec99 { fill: #1f5fa3; } .s-rep99 { fill: #b64c00; }
        footer { margin-top: 32px; color: var(--dim); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }

        """

    /// The page's script: the checkbox hiding clean conversations, expand and collapse all. It
    /// touches only elements of this page and guards each one, so it cannot throw.
    static let htmlScript = """
        (function () {
          "use strict";
          var box = document.getElementById("hide-clean");
          var counter = document.getElementById("hidden-count");
          var clean = document.querySelectorAll("section.conv.clean");
          function apply() {
            var hide = !!(box && box.checked);
            document.body.classList.toggle("hide-clean", hide);
            if (counter) {
              counter.textContent = hide && clean.length > 0 ? clean.length + " hidden" : "";
            }
          }
          function setOpen(open) {
            var all = document.querySelectorAll("section.conv > details");
            for (var i = 0; i < all.length; i++) { all[i].open = open; }
          }
          if (box) { box.addEventListener("change", apply); }
          var expand = document.getElementById("expand-all");
          var collapse = document.getElementById("collapse-all");
          if (expand) { expand.addEventListener("click", function () { setOpen(true); }); }
          if (collapse) { collapse.addEventListener("click", function () { setOpen(false); }); }
          apply();
          document.documentElement.setAttribute("data-ready", "yes");
        })();

        """
}
