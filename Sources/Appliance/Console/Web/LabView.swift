import NIOConcurrencyHelpers
import Swarm

/// Where the seeder console's events go out, all from one place so that the terminal, the
/// web page and scripts never disagree: standard output under `--json`, `/api/events` always;
/// and what `/` and `/api/status` show.
final class LabView: Sendable {
    let image: LabStatus.Image
    let seeder: LabStatus.Seeder
    let links: ServeJob.Links
    let json: Bool
    /// `/api/events`: the ready event and the latest status first, then every event.
    let events: HTTPEventStream
    private let state: NIOLockedValueBox<State>
    /// Chart points kept; past this the history is thinned to every other point, so a day
    /// of serving still fits and still covers the whole run.
    static let historyLimit = 1800

    private struct State {
        var ready = ""
        var status: StatusEvent
        var statusLine = ""
        var history: [LabStatus.Sample] = []
    }

    init(image: LabStatus.Image, seeder: LabStatus.Seeder, links: ServeJob.Links, json: Bool, maxFollowers: Int = 64) {
        self.image = image
        self.seeder = seeder
        self.links = links
        self.json = json
        let state = NIOLockedValueBox(State(status: StatusEvent(t: 0, rows: [], totalBytes: image.size, uploadRate: 0, uploaded: 0)))
        self.state = state
        self.events = HTTPEventStream(maxFollowers: maxFollowers) {
            state.withLockedValue { state in [state.ready, state.statusLine].filter { !$0.isEmpty } }
        }
    }

    /// Sends an event to standard output (under `--json`) and to every follower.
    func publish(_ event: [String: JSONValue]) {
        guard let line = try? JSONOutput.encode(event) else { return }
        if event["event"] == "ready" { state.withLockedValue { $0.ready = line } }
        send(line)
    }

    /// Takes a new status: kept for `/api/status` and new followers, a chart point, and sent.
    func publish(_ status: StatusEvent) {
        guard let line = try? JSONOutput.encode(status) else { return }
        state.withLockedValue { state in
            state.status = status
            state.statusLine = line
            state.history.append(LabStatus.Sample(t: status.t, download: status.downloadRate, upload: status.uploadRate))
            if state.history.count > Self.historyLimit {
                state.history = state.history.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            }
        }
        send(line)
    }

    private func send(_ line: String) {
        if json { StandardOutput.write(line + "\n") }
        events.publish(line)
    }

    /// Everything the page shows, now.
    var snapshot: LabStatus {
        state.withLockedValue { state in
            LabStatus(image: image, seeder: seeder, links: links, status: state.status, history: state.history)
        }
    }
}
