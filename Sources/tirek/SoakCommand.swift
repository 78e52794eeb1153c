import ArgumentParser
import Foundation

/// `tirek soak`: whole lessons, one after another, against a running server on this machine, with
/// everything a school does to it: a join storm, roll call, handoffs, a poll, hands, chat,
/// flapping links, and at mid-lesson every student dropping and reconnecting at once (a router
/// restart). After each lesson it checks attendance, chat and poll counts against what the clients
/// saw; at the end, that connections and lessons went back to zero and that memory stayed flat.
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Soak-test a running Tirek server on loopback: whole lessons with reconnect storms; checks leaks and attendance.",
        discussion: """
            Short mode (the test command): --students 1000 --lessons 3 --lesson-seconds 40. Long mode: \
            --students 500 --lessons 10 --lesson-seconds 60 (10 minutes). Give the server's PID for memory and \
            file-descriptor checks, and run the server with a short --room-sweep so ended lessons are unloaded \
            within the run. Exit status 0 when every check passes, 3 when one fails.
            """)

    @OptionGroup var server: LoopbackServerOptions
    var port: Int { server.port }

    @Option(help: "Students per lesson (each on their own device).")
    var students: Int = 500

    @Option(help: "Students per classroom (each classroom has a local teacher).")
    var perClassroom: Int = 20

    @Option(help: "Lessons run one after another.")
    var lessons: Int = 3

    @Option(help: "Seconds each lesson runs (10–600).")
    var lessonSeconds: Int = 40

    @Option(help: "Percent of students whose link flaps (reconnect every 4–8 s).")
    var flappingPercent: Int = 5

    @Option(help: "PID of the server, for its memory and open files (from /proc).")
    var serverPid: Int32?

    @Option(help: "Seconds the server takes to unload ended lessons (its --room-sweep), waited for at the end.")
    var roomSweep: Int = 60

    func validate() throws {
        guard (1...5000).contains(students), (1...100).contains(perClassroom) else { throw ValidationError("1–5000 students, 1–100 per classroom") }
        guard (1...100).contains(lessons), (10...600).contains(lessonSeconds) else { throw ValidationError("1–100 lessons of 10–600 seconds") }
        guard (0...100).contains(flappingPercent), (1...600).contains(roomSweep) else { throw ValidationError("flapping 0–100 %, room sweep 1–600 s") }
    }

    func run() async throws {
        let key = try server.requireAdminKey()
        let roster = try LoopbackRoster.create(port: port, adminKey: key, prefix: "soak\(wallMicros() / 1000)",
                                               students: students, perClassroom: perClassroom, localTeachers: true)
        log("\(students) students in \(roster.classrooms.count) classrooms, each with a local teacher; \(lessons) lessons of \(lessonSeconds) s")
        var report = SoakReport()
        report.baseline = serverPid.flatMap(SoakReport.ServerSample.read)
        for n in 0..<lessons {
            let lesson = SoakLesson(roster: roster, id: "\(roster.prefix)-L\(n)", seconds: lessonSeconds,
                                    flappingPercent: flappingPercent, port: port, adminKey: key, log: log)
            report.lessons.append(try await lesson.run())
            report.afterLessons.append(await settledSample())
            log(report.lessons.last!.summary)
        }
        report.connectionsAtEnd = try await waitForGauge("tirek_connections", toReach: 0, seconds: 15)
        report.lessonsLiveAtEnd = try await waitForGauge("tirek_lessons_live", toReach: 0, seconds: roomSweep + 15)
        report.roomsInMemoryAtEnd = try await waitForGauge("tirek_rooms_in_memory", toReach: 0, seconds: 10)
        report.socketsInMemoryAtEnd = try await waitForGauge("tirek_sockets_in_memory", toReach: 0, seconds: 10)
        // One more sweep: the server hands freed memory back to the system after unloading lessons.
        try await Task.sleep(for: .seconds(roomSweep + 1))
        report.atEnd = await settledSample()
        print(report.json)
        print(report.table)
        Foundation.exit(report.passed ? 0 : 3)
    }

    /// The server's memory (resident set, and the heap in use from `/metrics`) and open files once
    /// the lesson's connections have closed and its room has been unloaded: what stays is what
    /// every later lesson would pile up if something leaked.
    private func settledSample() async -> SoakReport.ServerSample? {
        _ = try? await waitForGauge("tirek_connections", toReach: 0, seconds: 15)
        _ = try? await waitForGauge("tirek_rooms_in_memory", toReach: 0, seconds: roomSweep + 10)
        var sample = serverPid.flatMap(SoakReport.ServerSample.read)
        if let text = try? LoopbackHTTP.request("GET", port: port, path: "/metrics", adminKey: nil).text,
           text.contains("tirek_heap_in_use_bytes ") {
            sample?.heapBytes = Int(prometheusSum(text, prefix: "tirek_heap_in_use_bytes "))
        }
        return sample
    }

    /// Polls `/metrics` until `name` reads `value`; returns the last reading.
    private func waitForGauge(_ name: String, toReach value: Double, seconds: Int) async throws -> Double {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var reading = -1.0
        while ContinuousClock.now < deadline {
            let text = try LoopbackHTTP.request("GET", port: port, path: "/metrics", adminKey: nil).text
            reading = prometheusSum(text, prefix: name + " ")
            if reading == value { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return reading
    }

    func log(_ text: String) {
        FileHandle.standardError.write(Data("soak: \(text)\n".utf8))
    }
}
