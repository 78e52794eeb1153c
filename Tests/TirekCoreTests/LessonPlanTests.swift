import Foundation
import Testing
@testable import TirekCore

@Suite("Lesson plans and config")
struct LessonPlanTests {
    @Test func hubLessonTemplate() throws {
        let plan = PhasePlan.hubLesson
        try plan.validate()
        #expect(plan.model == .hub)
        #expect(plan.phases.map(\.id) == ["organisation", "operational", "reflection"])
        #expect(plan.phases.map(\.lead) == [.local, .hub, .local])
        #expect(plan.phases.map(\.minMinutes) == [5, 25, 10])
        #expect(plan.phases.map(\.defaultMinutes) == [5, 30, 10])
        #expect(plan.phases.map(\.maxMinutes) == [5, 30, 15])
        #expect(plan.phases.map(\.hubStream) == [.background, .live, .paused])
        #expect(try plan.resolveMinutes([:]) == [5, 30, 10])
    }

    @Test func streamingAndSmallGroupTemplates() throws {
        let full = PhasePlan.streamingLesson()
        try full.validate()
        #expect(full.model == .streaming)
        #expect(full.phases.map(\.id) == ["organisation", "operational", "reflection"])
        let only = PhasePlan.streamingLesson(operationalOnly: true)
        try only.validate()
        #expect(only.phases.map(\.id) == ["operational"])
        #expect(only.phases[0].lead == .hub)
        #expect(try only.resolveMinutes([:]) == [45])
        let small = PhasePlan.smallGroupLesson
        try small.validate()
        #expect(small.model == .smallGroup)
        #expect(small.phases.allSatisfy { $0.lead == .hub })
        #expect(PhasePlan.builtIn(.hub) == .hubLesson)
        #expect(PhasePlan.builtIn(.streaming) == full)
        #expect(PhasePlan.builtIn(.smallGroup) == small)
    }

    @Test func chosenDurationsWithinRange() throws {
        let plan = PhasePlan.hubLesson
        #expect(try plan.resolveMinutes(["operational": 25, "reflection": 15]) == [5, 25, 15])
        #expect(throws: Refusal(.invalidValue, "phase operational must last 25–30 minutes, got 31")) {
            try plan.resolveMinutes(["operational": 31])
        }
        #expect(throws: Refusal(.invalidValue, "phase operational must last 25–30 minutes, got 24")) {
            try plan.resolveMinutes(["operational": 24])
        }
        #expect(throws: Refusal(.invalidValue, "phase reflection must last 10–15 minutes, got 9")) {
            try plan.resolveMinutes(["reflection": 9])
        }
        #expect(throws: Refusal(.invalidValue, "phase organisation must last 5–5 minutes, got 6")) {
            try plan.resolveMinutes(["organisation": 6])
        }
        #expect(throws: Refusal(.invalidValue, "plan hub_lesson has no phase homework")) {
            try plan.resolveMinutes(["homework": 5])
        }
        #expect(throws: Refusal.self) {
            try LessonConfig(lessonID: "l", minutes: ["reflection": 16], scheduledStart: LessonFixture.t0)
        }
    }

    static let badPlans: [(PhasePlan, String)] = {
        let op = PhaseSpec.operational
        func spec(_ mn: Int, _ df: Int, _ mx: Int, id: String = "x") -> PhaseSpec {
            PhaseSpec(id: id, title: "X", lead: .hub, minMinutes: mn, defaultMinutes: df, maxMinutes: mx, hubStream: .live)
        }
        return [
            (PhasePlan(name: "p", model: .hub, phases: []), "plan p has no phases"),
            (PhasePlan(name: "p", model: .hub, phases: [op, op]), "plan p: phase id operational appears twice"),
            (PhasePlan(name: "p", model: .hub, phases: [spec(0, 5, 10)]), "phase x: min_minutes must be at least 1, got 0"),
            (PhasePlan(name: "p", model: .hub, phases: [spec(10, 5, 20)]),
             "phase x: need min_minutes <= default_minutes <= max_minutes, got 10/5/20"),
            (PhasePlan(name: "p", model: .hub, phases: [spec(5, 25, 20)]),
             "phase x: need min_minutes <= default_minutes <= max_minutes, got 5/25/20"),
            (PhasePlan(name: "p", model: .hub, phases: [spec(5, 10, 241)]), "phase x: max_minutes must be at most 240, got 241"),
            (PhasePlan(name: "p", model: .hub, phases: [spec(5, 5, 5, id: "")]), "phase id must not be empty"),
            (PhasePlan(name: "p", model: .hub, phases: [.organisation, .reflection]), "plan p has no hub-led phase"),
            (PhasePlan(name: "p", model: .smallGroup, phases: [.organisation, op]),
             "small-group plan p may not have a local-led phase (organisation)"),
        ]
    }()

    @Test(arguments: 0..<9)
    func planValidationRefuses(_ i: Int) {
        let (plan, message) = Self.badPlans[i]
        #expect(throws: Refusal(.invalidValue, message)) { try plan.validate() }
        #expect(throws: Refusal(.invalidValue, message)) {
            try LessonConfig(lessonID: "l", plan: plan, scheduledStart: LessonFixture.t0)
        }
    }

    @Test func customTemplateIsAccepted() throws {
        let plan = PhasePlan(name: "school-42", model: .hub, phases: [
            PhaseSpec(id: "warmup", title: "Warm-up", lead: .local, minMinutes: 3, defaultMinutes: 4, maxMinutes: 6, hubStream: .paused),
            .operational,
        ])
        let config = try LessonConfig(lessonID: "l", plan: plan, minutes: ["warmup": 6], scheduledStart: LessonFixture.t0)
        #expect(config.minutes == [6, 30])
        #expect(config.length(ofPhase: 0) == .minutes(6))
    }

    @Test func configValidation() throws {
        let t0 = LessonFixture.t0
        #expect(throws: Refusal(.invalidValue, "hub_drop_grace_ms must not be negative")) {
            try LessonConfig(lessonID: "l", scheduledStart: t0, hubDropGrace: Millis(-1))
        }
        #expect(throws: Refusal(.invalidValue, "lobby_opens_before_ms must not be negative")) {
            try LessonConfig(lessonID: "l", scheduledStart: t0, lobbyOpensBefore: Millis(-1))
        }
        #expect(throws: Refusal(.invalidValue, "auto_start_after_ms must not be negative")) {
            try LessonConfig(lessonID: "l", scheduledStart: t0, autoStartAfter: Millis(-1))
        }
        #expect(throws: Refusal(.invalidValue, "warnings_ms must be positive")) {
            try LessonConfig(lessonID: "l", scheduledStart: t0, warnings: [.zero])
        }
        #expect(throws: Refusal(.invalidValue, "warnings_ms must be distinct")) {
            try LessonConfig(lessonID: "l", scheduledStart: t0, warnings: [.seconds(30), .seconds(30)])
        }
        let c = try LessonConfig(lessonID: "l", scheduledStart: t0, warnings: [.seconds(30), .minutes(2)])
        #expect(c.warnings == [.minutes(2), .seconds(30)])
        #expect(c.lobbyOpensAt == t0 - .minutes(10))
        #expect(c.autoStartAt == t0)
        #expect(c.hubDropGrace == .seconds(60))
        #expect(c.fallbackToLocal)
        let small = try LessonConfig(lessonID: "l", plan: .smallGroupLesson, scheduledStart: t0)
        #expect(small.fallbackToLocal == false)
    }

    @Test func configCodableRoundTripAndValidatesOnDecode() throws {
        let config = LessonFixture.config(minutes: ["operational": 27], autoStartAfter: .minutes(1), classrooms: ["c2", "c1"])
        let data = try JSONEncoder().encode(config)
        let back = try JSONDecoder().decode(LessonConfig.self, from: data)
        #expect(back == config)
        let json = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == ["lesson_id", "plan", "minutes", "scheduled_start", "lobby_opens_before_ms",
                                  "auto_start_after_ms", "warnings_ms", "hub_drop_grace_ms", "fallback_to_local",
                                  "classrooms"])
        #expect(json["minutes"] as? [Int] == [5, 27, 10])
        #expect(json["classrooms"] as? [String] == ["c1", "c2"])
        let phase = try #require(((json["plan"] as? [String: Any])?["phases"] as? [[String: Any]])?.first)
        #expect(Set(phase.keys) == ["id", "title", "lead", "min_minutes", "default_minutes", "max_minutes", "hub_stream"])

        var bad = json
        bad["minutes"] = [5, 40, 10]
        let badData = try JSONSerialization.data(withJSONObject: bad)
        #expect(throws: Refusal(.invalidValue, "phase operational must last 25–30 minutes, got 40")) {
            try JSONDecoder().decode(LessonConfig.self, from: badData)
        }
    }
}
