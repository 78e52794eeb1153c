import Foundation
import Testing
@testable import TirekCore

@Suite("Replay, snapshot and floor")
struct LessonReplayTests {
    typealias F = LessonFixture

    /// A busy lesson: drops, fallback, pause, extension, refused and stale commands, ticks.
    static let events: [LessonEvent] = [
        .participantConnected(F.hub, at: F.at(-12)),
        .tick(at: F.at(-10)),
        .participantConnected(F.local("c1"), at: F.at(-9)),
        .participantConnected(F.local("c2"), at: F.at(-8)),
        .participantConnected(F.screen, at: F.at(-8)),
        .command(LessonCommand(.start, from: F.observer), at: F.at(-1)),
        .tick(at: F.at(1)),
        .command(LessonCommand(.handOver, from: F.local("c2"), expectedPhase: 0), at: F.at(4)),
        .command(LessonCommand(.handOver, from: F.local("c1"), expectedPhase: 0), at: F.at(4)),
        .tick(at: F.at(7)),
        .participantDisconnected(F.hub, at: F.at(10)),
        .tick(at: F.at(12)),
        .participantConnected(F.hub, at: F.at(14)),
        .command(LessonCommand(.pause, from: F.hub), at: F.at(20)),
        .participantDisconnected(F.local("c1"), at: F.at(21)),
        .command(LessonCommand(.resume, from: F.admin), at: F.at(25)),
        .tick(at: F.at(32)),
        .tick(at: F.at(40)),
        .command(LessonCommand(.extend(minutes: 4), from: F.local("c2"), expectedPhase: 2), at: F.at(41)),
        .participantConnected(F.local("c1"), at: F.at(42)),
        .tick(at: F.at(55)),
    ]

    static let config = F.config(autoStartAfter: .zero)

    @Test func replayYieldsTheSameStateAndRecords() {
        var live = LessonEngine(config: Self.config)
        var liveRecords: [TransitionRecord] = []
        for event in Self.events { liveRecords += live.handle(event).records }
        let rebuilt = LessonEngine.replay(config: Self.config, events: Self.events)
        #expect(rebuilt == live)
        var again = LessonEngine(config: Self.config)
        var againRecords: [TransitionRecord] = []
        for event in Self.events { againRecords += again.handle(event).records }
        #expect(againRecords == liveRecords)
        #expect(liveRecords.map(\.why) == [.lobbyOpened, .autoStarted, .earlyHandover, .fallback, .leadRestored,
                                           .pause, .resume, .scheduled, .extension, .scheduled])
        #expect(liveRecords.map(\.seq) == Array(1...10))
        #expect(live.status == .ended)
        // auto-start at 0:00; early handover at 4:00 → operational 4:00–34:00, paused 20–25 → 39:00;
        // reflection 39:00–49:00 + 4 → 53:00
        #expect(liveRecords[7].at == F.at(39))
        #expect(liveRecords[9].at == F.at(53))
        #expect(live.endedAt == F.at(53))
        #expect(live.lessonPausedTotal == .minutes(5))
    }

    @Test func stateDoesNotDependOnHowOftenTheServerTicked() {
        let withoutTicks = Self.events.filter { if case .tick = $0 { false } else { true } }
        var sparse = LessonEngine.replay(config: Self.config, events: withoutTicks)
        var dense = LessonEngine(config: Self.config)
        var t = F.at(-15)
        var pending = Self.events[...]
        while t <= F.at(60) {
            while let next = pending.first, next.at <= t {
                _ = dense.handle(next)
                pending = pending.dropFirst()
            }
            _ = dense.tick(at: t)
            t = t + .seconds(7)
        }
        _ = sparse.tick(at: t - .seconds(7))
        #expect(sparse == dense)
    }

    @Test func eventsRoundTripThroughJSONAndReplayIdentically() throws {
        let data = try JSONEncoder().encode(Self.events)
        let decoded = try JSONDecoder().decode([LessonEvent].self, from: data)
        #expect(decoded == Self.events)
        #expect(LessonEngine.replay(config: Self.config, events: decoded)
            == LessonEngine.replay(config: Self.config, events: Self.events))
        let one = try JSONEncoder().encode(LessonEvent.command(
            LessonCommand(.extend(minutes: 2), from: F.hub, expectedPhase: 1, expectedSeq: 3), at: F.t0))
        let json = try #require(JSONSerialization.jsonObject(with: one) as? [String: Any])
        #expect(json["event"] as? String == "command")
        #expect(json["at"] as? Int64 == F.t0.millis)
        let command = try #require(json["command"] as? [String: Any])
        #expect(command["type"] as? String == "extend")
        #expect(command["minutes"] as? Int == 2)
        #expect(command["expected_phase"] as? Int == 1)
        #expect(command["expected_seq"] as? Int == 3)
    }

    @Test func transitionRecordJSON() throws {
        var e = F.running()
        let recs = records(e.tick(at: F.at(5)))
        let data = try JSONEncoder().encode(recs[0])
        let json = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == ["seq", "at", "from", "to", "why"])
        #expect(json["why"] as? String == "scheduled")
        let to = try #require(json["to"] as? [String: Any])
        #expect(Set(to.keys) == ["status", "phase_index", "phase_id", "lead", "planned_end"])
        #expect(to["planned_end"] as? Int64 == F.at(35).millis)
        #expect(try JSONDecoder().decode(TransitionRecord.self, from: data) == recs[0])
    }

    @Test func snapshotWhileRunning() throws {
        var e = F.running()
        _ = e.connect(F.local("c1"), at: F.at(1))
        _ = e.tick(at: F.at(12))
        let s = e.snapshot(at: F.at(12))
        #expect(s.lessonID == "lesson-1")
        #expect(s.serverTime == F.at(12))
        #expect(s.status == .running)
        #expect(s.seq == 3)
        #expect(s.model == .hub)
        #expect(s.phaseCount == 3)
        #expect(s.phaseIndex == 1)
        #expect(s.phase == .operational)
        #expect(s.phaseStartedAt == F.at(5))
        #expect(s.plannedEnd == F.at(35))
        #expect(s.phaseLength == .minutes(30))
        #expect(s.remaining == .minutes(23))
        #expect(s.elapsed == .minutes(7))
        #expect(s.pausedAt == nil)
        #expect(s.pausedTotal == .zero)
        #expect(s.lead == .hub)
        #expect(s.fallback == false)
        #expect(s.hubStream == .live)
        #expect(s.classroomsMuted)
        #expect(s.pendingHandoff == PendingHandoff(at: F.at(35), nextPhaseIndex: 2, nextPhase: .reflection,
                                                   nextLead: .local, endsLesson: false))
        #expect(s.flaggedClassrooms == [])
        #expect(s.hubAwaySince == nil)
        #expect(s.hubGraceUntil == nil)
        #expect(s.scheduledStart == F.t0)
        #expect(s.lobbyOpensAt == F.at(-10))
        #expect(s.autoStartAt == nil)
        #expect(s.startedAt == F.t0)
        #expect(s.endedAt == nil)
        #expect(s.nextDeadline == F.at(33))

        let data = try JSONEncoder().encode(s)
        let json = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == ["lesson_id", "server_time", "status", "seq", "model", "phase_count", "phase_index",
                                  "phase", "phase_started_at", "planned_end", "phase_length_ms", "remaining_ms",
                                  "elapsed_ms", "paused_total_ms", "lead", "fallback", "hub_stream", "classrooms_muted",
                                  "pending_handoff", "flagged_classrooms", "scheduled_start", "lobby_opens_at",
                                  "started_at", "next_deadline"])
        let pending = try #require(json["pending_handoff"] as? [String: Any])
        #expect(Set(pending.keys) == ["at", "next_phase_index", "next_phase", "next_lead", "ends_lesson"])
        #expect(try JSONDecoder().decode(LessonSnapshot.self, from: data) == s)
    }

    @Test func snapshotBeforeAndAfter() {
        var e = LessonEngine(config: F.config(autoStartAfter: .minutes(1)))
        let s0 = e.snapshot(at: F.at(-30))
        #expect(s0.status == .scheduled)
        #expect(s0.lead == nil)
        #expect(s0.hubStream == .background)
        #expect(s0.pendingHandoff == PendingHandoff(at: F.at(1), nextPhaseIndex: 0, nextPhase: .organisation,
                                                    nextLead: .local, endsLesson: false))
        #expect(s0.nextDeadline == F.at(-10))
        _ = e.tick(at: F.at(100))
        let s1 = e.snapshot(at: F.at(100))
        #expect(s1.status == .ended)
        #expect(s1.pendingHandoff == nil)
        #expect(s1.phaseIndex == nil)
        #expect(s1.remaining == nil)
        #expect(s1.hubStream == .paused)
        #expect(s1.startedAt == F.at(1))
        #expect(s1.endedAt == F.at(46))
        #expect(s1.nextDeadline == nil)
    }

    @Test func floorRulesPerPhase() {
        var e = F.lobby()
        #expect(e.effectiveLead == nil)
        #expect(e.classroomsMutedByDefault == false)
        #expect(e.hubStream == .background)
        _ = e.connect(F.hub, at: F.at(-1))
        _ = e.command(.start, F.hub, at: F.t0)
        #expect(e.effectiveLead == .local)
        #expect(e.floorHolder(for: "c1") == .local)
        #expect(e.isMutedByDefault("c1") == false)
        #expect(e.hubStream == .background)
        #expect(e.isLeading(F.local("c1")))
        #expect(!e.isLeading(F.hub))
        #expect(!e.isLeading(F.student))
        _ = e.tick(at: F.at(5))
        #expect(e.effectiveLead == .hub)
        #expect(e.isMutedByDefault("c1"))
        #expect(e.hubStream == .live)
        #expect(e.isLeading(F.hub))
        #expect(!e.isLeading(F.local("c1")))
        _ = e.command(.pause, F.hub, at: F.at(6))
        #expect(e.effectiveLead == .hub)
        #expect(e.isMutedByDefault("c1"))
        #expect(e.hubStream == .paused)
        _ = e.command(.resume, F.hub, at: F.at(7))
        _ = e.tick(at: F.at(36))
        #expect(e.effectiveLead == .local)
        #expect(e.isMutedByDefault("c1") == false)
        #expect(e.hubStream == .paused)
    }
}
