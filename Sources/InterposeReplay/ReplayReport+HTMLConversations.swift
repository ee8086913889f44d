import InterposeAnalysis

extension ReplayReport {
    /// Every conversation: a list of its messages, then a card per message that is not the same
    /// (request, field table, side-by-side diff of the responses). Conversations without a
    /// regression start collapsed, and the page's checkbox hides them.
    func htmlConversations() -> String {
        var html = "<section id=\"conversations\">\n<h2>Conversations</h2>\n"
        guard !conversations.isEmpty else { return html + "<p class=\"none\">No conversations.</p>\n</section>\n" }
        html +=
            "<div class=\"toolbar\"><label><input type=\"checkbox\" id=\"hide-clean\"> hide conversations without regressions</label>"
        html += " <button type=\"button\" id=\"expand-all\">expand all</button>"
        html += " <button type=\"button\" id=\"collapse-all\">collapse all</button>"
        html += " <span id=\"hidden-count\"></span></div>\n"
        var cards = 0
        for conversation in conversations {
            html += htmlConversation(conversation, cards: &cards)
        }
        let total = conversations.reduce(0) { $0 + $1.messages.filter { $0.verdict != .same }.count }
        if total > cards {
            html += "<p class=\"cut\">\(ReportFormatting.grouped(total - cards)) more messages that are not the same "
            html += "are left out of this page; report.json lists them all.</p>\n"
        }
        return html + "</section>\n"
    }

    private func htmlConversation(_ conversation: ConversationResult, cards: inout Int) -> String {
        let regressed =
            conversation.hasRegression
            || findings.contains {
                $0.conversation == conversation.id && $0.isRegression
            }
        var html = "<section class=\"conv \(regressed ? "regressed" : "clean")\" id=\"c\(conversation.id)\">\n"
        html += "<details\(regressed ? " open" : "")>\n<summary><span class=\"cid\">#\(conversation.id)</span> "
        html +=
            "<code>\(Self.html(conversation.server))</code> <span class=\"tag\">\(Self.html(conversation.application))</span>"
        html += conversation.replayedID.map { " <span class=\"dim\">replayed as #\($0)</span>" } ?? ""
        html += " <span class=\"counts\">"
        for verdict in MessageVerdict.allCases {
            let count = conversation.messages.filter { $0.verdict == verdict }.count
            if count > 0 { html += "<span class=\"badge v-\(verdict.rawValue)\">\(count) \(verdict.rawValue)</span> " }
        }
        if conversation.error != nil { html += "<span class=\"badge v-missing\">stopped early</span>" }
        html += "</span></summary>\n"
        if let error = conversation.error {
            html +=
                "<div class=\"stopped\"><strong>Stopped early:</strong> \(Self.html(error, limit: Self.htmlValueLimit))</div>\n"
        }
        for finding in findings where finding.conversation == conversation.id {
            let severity = finding.severity.rawValue
            html += "<div class=\"finding sev-\(severity)\"><span class=\"badge sev-\(severity)\">\(severity)</span> "
            html +=
                "<code>\(Self.html(finding.code))</code> \(Self.html(finding.message, limit: Self.htmlValueLimit))</div>\n"
        }
        html += htmlMessageList(conversation)
        for message in conversation.messages where message.verdict != .same && message.verdict != .unreproducible {
            guard cards < Self.htmlCardLimit else { break }
            cards += 1
            html += htmlMessageCard(message, conversation: conversation.id)
        }
        return html + "</details>\n</section>\n"
    }

    private func htmlMessageList(_ conversation: ConversationResult) -> String {
        guard !conversation.messages.isEmpty else { return "<p class=\"none\">No messages.</p>\n" }
        var html = "<table class=\"messages\">\n<thead><tr><th>#</th><th>request</th><th>verdict</th><th>recorded</th>"
        html += "<th>replayed</th><th>latency</th><th>noise cancelled</th></tr></thead>\n<tbody>\n"
        for message in conversation.messages.prefix(Self.htmlMessageRowLimit) {
            let link =
                message.verdict == .same
                ? "\(message.index)"
                : "<a href=\"#c\(conversation.id)-m\(message.index)\">\(message.index)</a>"
            html += "<tr class=\"v-\(message.verdict.rawValue)\"><td class=\"num\">\(link)</td>"
            html +=
                "<td><code>\(Self.html(message.request, limit: 200))</code></td><td>\(Self.badge(message.verdict))</td>"
            html +=
                "<td>\(Self.htmlValue(message.recordedSummary))</td><td>\(Self.htmlValue(message.replayedSummary))</td>"
            html += "<td class=\"num\">\(Self.latencyPair(message.recordedLatency, message.replayedLatency))</td>"
            html += "<td>\(message.noise.map { "<code>\(Self.html($0))</code>" }.joined(separator: " "))</td></tr>\n"
        }
        if conversation.messages.count > Self.htmlMessageRowLimit {
            html +=
                "<tr><td colspan=\"7\" class=\"cut\">… \(conversation.messages.count - Self.htmlMessageRowLimit) more messages</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    private static func latencyPair(_ recorded: Int64?, _ replayed: Int64?) -> String {
        guard recorded != nil || replayed != nil else { return "" }
        return "\(recorded.map(latency) ?? "-") → \(replayed.map(latency) ?? "-")"
    }

    private func htmlMessageCard(_ message: MessageResult, conversation: Int) -> String {
        var html = "<article class=\"msg v-\(message.verdict.rawValue)\" id=\"c\(conversation)-m\(message.index)\">\n"
        html += "<h3>\(Self.badge(message.verdict)) #\(conversation) message \(message.index) "
        html += "<code>\(Self.html(message.request, limit: 300))</code></h3>\n"
        html +=
            "<p class=\"dim\">key <code>\(Self.html(message.key))</code> · recorded \(Self.htmlValue(message.recordedSummary))"
        html += " · replayed \(Self.htmlValue(message.replayedSummary))</p>\n"
        html += "<details class=\"request\"\(message.requestText.isEmpty ? "" : " open")><summary>request</summary>"
        html +=
            message.requestText.isEmpty
            ? "<p class=\"none\">not recorded</p>"
            : "<pre>\(Self.html(message.requestText, limit: Self.htmlValueLimit))</pre>"
        html += "</details>\n"
        if !message.differences.isEmpty {
            html +=
                "<table class=\"fields\">\n<thead><tr><th>field</th><th>recorded</th><th>replayed</th></tr></thead>\n<tbody>\n"
            for difference in message.differences {
                html += "<tr><td><code>\(Self.html(difference.field))</code></td>"
                html += "<td class=\"del\">\(Self.htmlValue(difference.recorded))</td>"
                html += "<td class=\"add\">\(Self.htmlValue(difference.replayed))</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        if !message.noise.isEmpty {
            html +=
                "<p class=\"dim\">noise cancelled: \(message.noise.map { "<code>\(Self.html($0))</code>" }.joined(separator: " "))</p>\n"
        }
        html += Self.htmlSideBySide(old: message.recordedText, new: message.replayedText)
        return html + "</article>\n"
    }

    /// The recorded and the replayed response side by side, removed lines red, added lines green.
    static func htmlSideBySide(old: String, new: String) -> String {
        guard !old.isEmpty || !new.isEmpty else { return "<p class=\"none\">No response text on either side.</p>\n" }
        let diff = LineDiff(old: String(old.prefix(64 * 1024)), new: String(new.prefix(64 * 1024)))
        var html =
            "<div class=\"diffwrap\"><table class=\"sbs\">\n<colgroup><col class=\"ln\"><col class=\"tx\"><col class=\"ln\"><col class=\"tx\"></colgroup>\n"
        html += "<thead><tr><th colspan=\"2\">recorded</th><th colspan=\"2\">replayed</th></tr></thead>\n<tbody>\n"
        let rows = diff.rows(context: 3)
        for row in rows.prefix(2_000) {
            switch row.kind {
            case .gap:
                html +=
                    "<tr class=\"gap\"><td colspan=\"4\">⋯ \(ReportFormatting.plural(row.skipped, "unchanged line")) ⋯</td></tr>\n"
            case .same, .changed, .removed, .added:
                let oldClass = row.kind == .same ? "" : row.oldText == nil ? " empty" : " del"
                let newClass = row.kind == .same ? "" : row.newText == nil ? " empty" : " add"
                html += "<tr><td class=\"ln\">\(row.oldNumber.map(String.init) ?? "")</td>"
                html +=
                    "<td class=\"tx\(oldClass)\">\(row.oldText.map { Self.html($0, limit: htmlValueLimit) } ?? "")</td>"
                html += "<td class=\"ln\">\(row.newNumber.map(String.init) ?? "")</td>"
                html +=
                    "<td class=\"tx\(newClass)\">\(row.newText.map { Self.html($0, limit: htmlValueLimit) } ?? "")</td></tr>\n"
            }
        }
        if rows.count > 2_000 {
            html +=
                "<tr class=\"gap\"><td colspan=\"4\">⋯ \(ReportFormatting.grouped(rows.count - 2_000)) more rows left out ⋯</td></tr>\n"
        }
        html += "</tbody>\n</table></div>\n"
        if diff.isEmpty {
            html += "<p class=\"dim\">The response texts have the same lines; the difference is in a field above.</p>\n"
        }
        if diff.isApproximate {
            html +=
                "<p class=\"dim\">The texts are too large for a line-by-line diff: the differing part is shown as removed, then added.</p>\n"
        }
        return html
    }
}
