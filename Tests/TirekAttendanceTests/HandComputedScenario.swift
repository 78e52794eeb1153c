import TirekCore
@testable import TirekAttendance

/// The hand-computed lesson, 09:00–09:45, break 09:20–09:25 (40 running minutes):
/// organisation 09:00–09:10 (10), operational 09:10–09:35 (20), reflection 09:35–09:45 (10).
///
/// Device students (own connections):
/// - `a` on time: 08:58 → stays (still connected at the end).        40.0 present
/// - `b` late joiner: 09:12 → end.                                   28.0 late
/// - `c` drop and return: 09:00–09:15, 09:18 → end.                  37.0 present, 1 drop
/// - `d` leaves early: 09:00–09:30.                                   25.0 partial, 1 drop
/// - `e` never came; roll call says illness.                          0.0 absent
/// - `f` two devices: phone 09:00–09:30, laptop 09:20 → end.         40.0 present, 0 drops
/// - `g` drops during the break: 09:00–09:21, 09:24 → end.            40.0 present, 1 drop, gap 0
/// Screen students of classroom k1 (screen 09:00–09:40 and 09:42 → end; stream lost 09:05–09:07):
/// - `h` marked present at 09:02.                                    36.0 present
/// - `i` present from 09:00 (marked 09:03), absent at 09:30 (illness). 25.0 partial
/// - `j` absent at 09:02, corrected at 09:20 to present from 09:00.    38.0 present
/// - `k` absent at 09:02 (technical problem), present at 09:15.       23.0 late
/// - `l` absent, reason other with a comma, quotes and a line break.   0.0 absent
/// Not on the roster: `zz`, on a device 09:30–09:45.                 15.0 late
/// On the roster only: `m` of classroom k2.                            0.0 absent
func handScenario() -> Log {
    var log = Log()
    log.standardLesson { log in
        log.open("a", at(-2))
        log.session("b", at(12), at(45))
        log.session("c", at(0), at(15))
        log.session("c", at(18), at(46))
        log.session("d", at(0), at(30))
        log.mark("e", .absent, at(2), reason: .illness)
        log.session("f", at(0), at(30))
        log.session("f", at(20), at(45))
        log.session("g", at(0), at(21))
        log.session("g", at(24), at(45))
        log.session("screen-k1", at(0), at(40), role: .classroom)
        log.open("screen-k1", at(42), role: .classroom)
        log.stream("k1", available: false, at(5))
        log.stream("k1", available: true, at(7))
        log.mark("h", .present, at(2))
        log.mark("i", .present, at(3), from: at(0))
        log.mark("i", .absent, at(30), reason: .illness)
        log.mark("j", .absent, at(2), reason: .other("family, \"urgent\""))
        log.mark("j", .present, at(20), from: at(0))
        log.mark("k", .absent, at(2), reason: .technicalProblem)
        log.mark("k", .present, at(15))
        log.mark("l", .absent, at(3), reason: .other("bus broke down, \"again\"\nno transport"))
        log.session("zz", at(30), at(45))
    }
    return log
}

let handRoster = AttendanceRoster(
    lesson: "L-2025-03-03-math",
    students: [
        .init(id: "a", displayName: "Айгерим Сапарова", externalID: "EJ-001", classroom: "k1"),
        .init(id: "b", displayName: "Bolat, Jr.", externalID: "EJ-002", classroom: "k1"),
        .init(id: "c", displayName: "Daniyar \"Dan\" K.", externalID: "EJ-003", classroom: "k1"),
        .init(id: "d", displayName: "Dana", externalID: "EJ-004", classroom: "k1"),
        .init(id: "e", displayName: "Erlan", externalID: nil, classroom: "k1"),
        .init(id: "f", displayName: "Farida", externalID: "EJ-006", classroom: "k1"),
        .init(id: "g", displayName: "Gulnar", externalID: "EJ-007", classroom: "k1"),
        .init(id: "h", displayName: "Hasen", externalID: "EJ-008", classroom: "k1"),
        .init(id: "i", displayName: "Ilyas", externalID: "EJ-009", classroom: "k1"),
        .init(id: "j", displayName: "Jamila", externalID: "EJ-010", classroom: "k1"),
        .init(id: "k", displayName: "Kairat", externalID: "EJ-011", classroom: "k1"),
        .init(id: "l", displayName: "Lyazzat", externalID: "EJ-012", classroom: "k1"),
        .init(id: "m", displayName: "Madina", externalID: "EJ-013", classroom: "k2"),
    ],
    classrooms: [
        .init(id: "k1", name: "5 Б", school: "s-akzhar", schoolName: "Акжар малокомплектная школа"),
        .init(id: "k2", name: "5 A", school: "s-bereke", schoolName: "Bereke"),
    ])
