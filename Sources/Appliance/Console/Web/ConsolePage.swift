/// The seeder's web console at `/`: rendered here from the lab's status, so the first paint
/// needs no script; `/console.js` then follows `/api/events` and redraws the same cells.
/// Every text in it passes through `HTMLText.escape`: addresses, disk models, serials and
/// error texts come from any machine on the LAN.
enum ConsolePage {
    /// Response headers of the page and its files: scripts and styles only from ezio itself,
    /// connections only back to it, no framing, no sniffing.
    static let headers: [(name: String, value: String)] = [
        ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]

    /// The columns of the client table, as the script labels them on a phone too.
    static let columns = ["Machine", "State", "Disk", "Progress", "Down", "Up", "Reused", "ETA / time", "Error"]

    /// The whole page for `lab`.
    static func render(_ lab: LabStatus) -> String {
        let e = HTMLText.escape
        let image = lab.image
        let status = lab.status
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>ezio serve: \(e(image.name))</title>
            <link rel="stylesheet" href="/console.css">
            </head>
            <body data-size="\(image.size)">
            <header>
            <h1>ezio serve <span class="name">\(e(image.name))</span></h1>
            <p id="live" class="live">connecting…</p>
            </header>
            <section class="cards">
            <div class="card"><h2>Machines</h2>
            <div class="totals">
            \(total("done", status.totals.done))\(total("cloning", status.totals.cloning))\(total("failed", status.totals.failed))\(total("booting", status.totals.booting))
            </div>
            <p>ETA <span id="eta">\(status.eta.map(TextFormat.clock) ?? "-")</span> · lab receives <span id="download-rate">\(e(rate(status.downloadRate)))</span></p>
            </div>
            <div class="card"><h2>Seeder</h2><dl>
            <dt>Address</dt><dd class="mono">\(e(lab.seeder.address)) (peers :\(lab.seeder.peerPort), HTTP :\(lab.seeder.httpPort))</dd>
            <dt>Upload</dt><dd id="upload-rate">\(e(rate(status.uploadRate)))</dd>
            <dt>Uploaded</dt><dd id="uploaded">\(e(uploaded(status)))</dd>
            </dl></div>
            <div class="card"><h2>Image</h2><dl>
            <dt>Size</dt><dd>\(e(ByteCount.format(image.size)))</dd>
            <dt>Pieces</dt><dd>\(image.pieces) × \(e(ByteCount.format(Int64(image.pieceLength))))</dd>
            <dt>Info-hash</dt><dd class="mono">\(e(image.infoHash))</dd>
            <dt>Made</dt><dd>\(e(image.origin))</dd>
            </dl></div>
            </section>
            <section class="card"><h2>Clients</h2>
            <div class="table-wrap"><table id="clients">
            <thead><tr>\(columns.map { "<th>\(e($0))</th>" }.joined())</tr></thead>
            <tbody id="rows">
            \(status.rows.map { row($0, total: image.size) }.joined(separator: "\n"))
            </tbody>
            </table></div>
            <p id="empty" class="empty"\(status.rows.isEmpty ? "" : " hidden")>No machine yet: switch the clients on.</p>
            </section>
            <section class="card chart-card"><h2>Throughput</h2>
            <svg id="chart" viewBox="0 0 600 160" preserveAspectRatio="none" role="img" aria-label="throughput over time">
            <polyline id="line-download" class="download" points=""></polyline>
            <polyline id="line-upload" class="upload" points=""></polyline>
            </svg>
            <p class="legend"><span class="key download"></span>all clients receive <span class="key upload"></span>seeder sends <span id="chart-scale"></span></p>
            </section>
            <section class="card"><h2>Boot settings</h2>
            <p>Kernel command line:</p><pre id="cmdline">\(e(lab.links.kernelCommandLine))</pre>
            <p>Torrent <a href="\(e(lab.links.torrent))">\(e(lab.links.torrent))</a> · iPXE script <a href="\(e(lab.links.ipxe))">\(e(lab.links.ipxe))</a></p>
            \(lab.links.pxe ? "<p>This seeder answers PXE clients itself (proxy DHCP and TFTP).</p>" : "<p>DHCP server settings for PXE clients:</p><pre id=\"dhcp\">\(e(lab.links.dhcp))</pre>")
            </section>
            <script src="/console.js"></script>
            </body>
            </html>

            """
    }

    private static func total(_ name: String, _ count: Int) -> String {
        "<div class=\"total \(name)\"><span id=\"total-\(name)\">\(count)</span> \(name)</div>"
    }

    static func rate(_ bytesPerSecond: Int64) -> String { ByteCount.format(bytesPerSecond) + "/s" }

    static func uploaded(_ status: StatusEvent) -> String {
        "\(ByteCount.format(status.uploaded)) (\(TextFormat.fixed(status.uploadRatio, places: 2))× the image)"
    }

    /// One client's row; `console.js` builds the same cells from a status event.
    static func row(_ row: ClientRow, total: Int64) -> String {
        let e = HTMLText.escape
        let machine = [row.mac, row.address == "-" ? nil : row.address].compactMap { $0 }.map { "<span class=\"nowrap\">\(e($0))</span>" }
            .joined(separator: "<br>")
        let percent = TextFormat.fixed(row.progress * 100, places: 1) + " %"
        let time = row.finished || row.state == "failed" ? row.seconds.map(TextFormat.clock) : row.eta.map { "ETA " + TextFormat.clock($0) }
        let cells = [
            machine.isEmpty ? "<span class=\"nowrap\">\(e(row.id))</span>" : machine,
            "<span class=\"state\">\(e(row.state))</span>",
            e(row.target ?? row.boot.map { "booting \($0)" + (row.firmware.map { " (\($0))" } ?? "") } ?? "-"),
            "<progress max=\"1\" value=\"\(row.progress)\"></progress> <span class=\"percent\">\(e(percent))</span>",
            row.state == "downloading" ? e(rate(row.rate)) : "-",
            e(row.uploadRate.map(rate) ?? "-"),
            e(row.reused.map(ByteCount.format) ?? "-"),
            e(time ?? "-"),
            e(row.error ?? ""),
        ]
        let tds = zip(columns, cells).map { "<td data-label=\"\(e($0))\">\($1)</td>" }.joined()
        return "<tr data-id=\"\(e(row.id))\" class=\"state-\(e(cssName(row.state)))\">\(tds)</tr>"
    }

    /// A state as a class name: letters only (a state is ours, but rows are built from input).
    static func cssName(_ state: String) -> String {
        String(state.unicodeScalars.filter { ("a"..."z").contains($0) }.prefix(16).map(Character.init))
    }
}
