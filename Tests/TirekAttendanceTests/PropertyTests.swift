import Foundation
import Testing
import TirekCore
@testable import TirekAttendance

/// A random lesson on a one-second grid (seconds after 09:00), with the queues of events that
/// must keep their own order (the lifecycle; each connection's open → close) interleaved at random.
struct RandomLesson {
    struct Connection {
        var id: ConnectionID
        var participant: ParticipantID
        var open: Int64
        var close: Int64?
    }

    static let horizon: Int64 = 600
    static let students: [ParticipantID] = ["s1", "s2", "s3", "s4"]

    var lifecycle: [AttendanceEvent] = []
    var start: Int64?
    var end: Int64?
    var pauses: [(Int64, Int64?)] = []
    var phaseStarts: [(String, Int64)] = []
    var connections: [Connection] = []

    init(_ rng: inout SplitMix64) {
        var t = Int64.random(in: 0...60, using: &rng)
        start = t
        lifecycle.append(.lessonStarted(at: sec(t)))
        let phaseNames = ["organisation", "operational", "reflection", "extra"]
        var phaseIndex = 0
        addPhase(phaseNames[0], t)
        var paused = false
        while true {
            t += Int64.random(in: 1...60, using: &rng)
            if t > 520 { break }
            switch Int.random(in: 0..<3, using: &rng) {
            case 0 where phaseIndex + 1 < phaseNames.count:
                phaseIndex += 1
                addPhase(phaseNames[phaseIndex], t)
            case 1:
                if paused {
                    lifecycle.append(.lessonResumed(at: sec(t)))
                    pauses[pauses.count - 1].1 = t
                } else {
                    lifecycle.append(.lessonPaused(at: sec(t)))
                    pauses.append((t, nil))
                }
                paused.toggle()
            default:
                break
            }
        }
        if Int.random(in: 0..<5, using: &rng) > 0 {
            end = t
            lifecycle.append(.lessonEnded(at: sec(t)))
            if paused { pauses[pauses.count - 1].1 = t }
        }
        var n = 0
        for student in Self.students {
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                n += 1
                let open = Int64.random(in: 0...(Self.horizon - 20), using: &rng)
                let close = open + Int64.random(in: 0...200, using: &rng)
                let closes = close < Self.horizon && Int.random(in: 0..<7, using: &rng) > 0
                connections.append(Connection(id: ConnectionID("c\(n)"), participant: student, open: open,
                                              close: closes ? close : nil))
            }
        }
    }

    private mutating func addPhase(_ name: String, _ t: Int64) {
        lifecycle.append(.phaseStarted(phase: name, at: sec(t)))
        phaseStarts.append((name, t))
    }

    func connectionEvents(_ connection: Connection) -> [AttendanceEvent] {
        var events: [AttendanceEvent] = [.connectionOpened(connection: connection.id, participant: connection.participant,
                                                          role: .student, classroom: "k1", at: sec(connection.open))]
        if let close = connection.close {
            events.append(.connectionClosed(connection: connection.id, cause: .closed, at: sec(close)))
        }
        return events
    }

    /// Interleaves the queues at random, keeping each queue's order.
    func events(_ rng: inout SplitMix64, connections: [Connection]? = nil) -> [AttendanceEvent] {
        var queues = [lifecycle] + (connections ?? self.connections).map(connectionEvents)
        var result: [AttendanceEvent] = []
        while !queues.isEmpty {
            let q = Int.random(in: 0..<queues.count, using: &rng)
            result.append(queues[q].removeFirst())
            if queues[q].isEmpty { queues.remove(at: q) }
        }
        return result
    }

    // MARK: Brute-force oracle, second by second

    var windowEnd: Int64 { end ?? Self.horizon }

    func running(_ s: Int64) -> Bool {
        guard let start, s >= start, s < windowEnd else { return false }
        return !pauses.contains { s >= $0.0 && s < ($0.1 ?? windowEnd) }
    }

    func online(_ student: ParticipantID, _ s: Int64) -> Bool {
        connections.contains { $0.participant == student && s >= $0.open && s < ($0.close ?? Self.horizon) }
    }

    func phase(_ s: Int64) -> String {
        phaseStarts.last { $0.1 <= s }?.0 ?? phaseStarts[0].0
    }

    struct Expected: Equatable {
        var online: Int64 = 0
        var byPhase: [String: Int64] = [:]
        var firstJoin: Int64?
        var lastLeave: Int64?
        var joins = 0
        var drops = 0
    }

    func expected(_ student: ParticipantID) -> Expected {
        var e = Expected()
        for s in 0..<Self.horizon where running(s) && online(student, s) {
            e.online += 1
            e.byPhase[phase(s), default: 0] += 1
        }
        guard let start else { return e }
        for s in start..<windowEnd where online(student, s) {
            if e.firstJoin == nil { e.firstJoin = s }
            e.lastLeave = s + 1
        }
        // Stretches of the unclipped online set (it is empty from the horizon on).
        var s: Int64 = 0
        while s <= Self.horizon {
            if online(student, s) {
                let from = s
                while online(student, s) { s += 1 }
                if from < windowEnd && s > start { e.joins += 1 }
                if s > start && s < windowEnd { e.drops += 1 }
            } else {
                s += 1
            }
        }
        return e
    }
}

func sec(_ s: Int64) -> Instant { nine + .seconds(s) }

private func observed(_ f: StudentFigures) -> RandomLesson.Expected {
    var e = RandomLesson.Expected()
    e.online = f.onlineMs.value / 1000
    for phase in f.phases where phase.ms > .zero { e.byPhase[phase.phase] = phase.ms.value / 1000 }
    e.firstJoin = f.firstJoin.map { ($0 - nine).value / 1000 }
    e.lastLeave = f.lastLeave.map { ($0 - nine).value / 1000 }
    e.joins = f.joins
    e.drops = f.drops
    return e
}

@Suite("Ledger properties")
struct PropertyTests {
    static let seeds: [UInt64] = Array(1...12)
    let asOf = sec(RandomLesson.horizon)

    @Test(arguments: seeds)
    func agreesWithSecondBySecondOracle(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<25 {
            let lesson = RandomLesson(&rng)
            let ledger = AttendanceLedger(replaying: lesson.events(&rng))
            let running = ledger.lessonFigures(at: asOf).runningMs
            #expect(running.value == (0..<RandomLesson.horizon).filter(lesson.running).count * 1000)
            for student in RandomLesson.students {
                let figures = ledger.studentFigures(for: student, at: asOf)
                #expect(observed(figures) == lesson.expected(student), "seed \(seed) student \(student)")
                // Online never exceeds the running time; phases add up to the total.
                #expect(figures.onlineMs <= running)
                #expect(figures.phases.reduce(Millis.zero) { $0 + $1.ms } == figures.onlineMs)
            }
        }
    }

    @Test(arguments: seeds)
    func independentOfInterleaving(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<20 {
            let lesson = RandomLesson(&rng)
            let one = AttendanceLedger(replaying: lesson.events(&rng)).studentFigures(at: asOf)
            let other = AttendanceLedger(replaying: lesson.events(&rng)).studentFigures(at: asOf)
            #expect(one == other)
        }
    }

    @Test(arguments: seeds)
    func splittingASessionIntoSeamlessReconnectsChangesNothing(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<20 {
            let lesson = RandomLesson(&rng)
            var split: [RandomLesson.Connection] = []
            for connection in lesson.connections {
                var piece = connection
                let end = connection.close ?? RandomLesson.horizon
                while end - piece.open > 2 && Bool.random(using: &rng) {
                    let cut = Int64.random(in: (piece.open + 1)..<end, using: &rng)
                    split.append(RandomLesson.Connection(id: ConnectionID("\(piece.id.rawValue)-\(cut)"),
                                                         participant: piece.participant, open: piece.open, close: cut))
                    piece.open = cut
                }
                split.append(piece)
            }
            let whole = AttendanceLedger(replaying: lesson.events(&rng)).studentFigures(at: asOf)
            let pieces = AttendanceLedger(replaying: lesson.events(&rng, connections: split)).studentFigures(at: asOf)
            #expect(whole == pieces)
        }
    }

    @Test(arguments: seeds)
    func overlappingDevicesAreCountedOnce(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<20 {
            let lesson = RandomLesson(&rng)
            // Every session again on a second device, starting a little later and ending earlier.
            let doubled = lesson.connections + lesson.connections.map { connection in
                var copy = connection
                copy.id = ConnectionID("\(connection.id.rawValue)-phone")
                let end = connection.close ?? RandomLesson.horizon
                copy.open = min(end, connection.open + Int64.random(in: 0...5, using: &rng))
                copy.close = max(copy.open, end - Int64.random(in: 0...5, using: &rng))
                return copy
            }
            let single = AttendanceLedger(replaying: lesson.events(&rng)).studentFigures(at: asOf)
            let double = AttendanceLedger(replaying: lesson.events(&rng, connections: doubled)).studentFigures(at: asOf)
            #expect(single == double)
        }
    }

    @Test(arguments: seeds)
    func clockStepsBackKeepTheInvariants(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<20 {
            let lesson = RandomLesson(&rng)
            // Every event's instant jittered by up to ±30 s, as if clocks stepped.
            let jittered = lesson.events(&rng).map { event -> AttendanceEvent in
                let shift = Millis.seconds(Int64.random(in: -30...30, using: &rng))
                return rewritingInstant(event) { $0 + shift }
            }
            let ledger = AttendanceLedger(replaying: jittered)
            let running = ledger.lessonFigures(at: asOf)
            #expect(running.phases.reduce(Millis.zero) { $0 + $1.ms } == running.runningMs)
            for figures in ledger.studentFigures(at: asOf) {
                #expect(figures.onlineMs >= .zero && figures.onlineMs <= running.runningMs)
                #expect(figures.phases.reduce(Millis.zero) { $0 + $1.ms } == figures.onlineMs)
                #expect(figures.longestGapMs <= running.runningMs)
            }
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func replayAfterJSONRoundTripRebuildsTheSameLedger(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<10 {
            let events = RandomLesson(&rng).events(&rng)
            let decoded = try JSONDecoder().decode([AttendanceEvent].self, from: JSONEncoder().encode(events))
            #expect(decoded == events)
            let original = AttendanceLedger(replaying: events)
            #expect(AttendanceLedger(replaying: decoded) == original)
            #expect(try roundTrip(original) == original)
        }
    }
}

func rewritingInstant(_ event: AttendanceEvent, _ f: (Instant) -> Instant) -> AttendanceEvent {
    switch event {
    case .lessonStarted(let at): return .lessonStarted(at: f(at))
    case .phaseStarted(let phase, let at): return .phaseStarted(phase: phase, at: f(at))
    case .lessonPaused(let at): return .lessonPaused(at: f(at))
    case .lessonResumed(let at): return .lessonResumed(at: f(at))
    case .lessonEnded(let at): return .lessonEnded(at: f(at))
    case .connectionOpened(let c, let p, let r, let k, let at):
        return .connectionOpened(connection: c, participant: p, role: r, classroom: k, at: f(at))
    case .connectionClosed(let c, let cause, let at): return .connectionClosed(connection: c, cause: cause, at: f(at))
    case .heartbeat(let c, let at): return .heartbeat(connection: c, at: f(at))
    case .rollCall(var mark):
        mark.at = f(mark.at)
        return .rollCall(mark)
    case .hubStream(let k, let available, let at): return .hubStream(classroom: k, available: available, at: f(at))
    }
}
