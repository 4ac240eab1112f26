package import Foundation

/// A standard five-field cron schedule (minute, hour, day of month, month, day of week) with
/// ranges, steps, lists, month and weekday names, `?`, and the `@yearly`/`@monthly`/`@weekly`/
/// `@daily`/`@hourly` macros, as CronJobs take it. When both day fields are restricted a day
/// matching either counts, as cron (and Kubernetes' cron library) does.
package struct CronSchedule: Sendable {
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool

    static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0", "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`; nil when it is not a schedule.
    package init?(_ text: String) {
        let expanded = Self.macros[text.trimmingCharacters(in: .whitespaces)] ?? text
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5, expanded.utf8.count <= 1024 else { return nil }
        let monthNames = ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12]
        let dayNames = ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]
        guard let minutes = Self.field(fields[0], 0...59, names: [:]), let hours = Self.field(fields[1], 0...23, names: [:]),
            let days = Self.field(fields[2], 1...31, names: [:]), let months = Self.field(fields[3], 1...12, names: monthNames),
            var weekdays = Self.field(fields[4], 0...7, names: dayNames)
        else { return nil }
        if weekdays.contains(7) { weekdays.remove(7); weekdays.insert(0) }
        self.minutes = minutes
        self.hours = hours
        self.days = days
        self.months = months
        self.weekdays = weekdays
        daysRestricted = !(fields[2] == "*" || fields[2] == "?")
        weekdaysRestricted = !(fields[4] == "*" || fields[4] == "?")
    }

    /// One field: `*`, `?`, `a`, `a-b`, with `/step`, comma-separated.
    static func field(_ text: String, _ range: ClosedRange<Int>, names: [String: Int]) -> Set<Int>? {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { return nil }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0, parsed <= range.upperBound + 1 else { return nil }
                step = parsed
            }
            func value(_ token: Substring) -> Int? { Int(token) ?? names[token.uppercased()] }
            var low = range.lowerBound
            var high = range.upperBound
            if pieces[0] == "*" || pieces[0] == "?" {
                // the whole range
            } else if let dash = pieces[0].firstIndex(of: "-") {
                guard let a = value(pieces[0][..<dash]), let b = value(pieces[0][pieces[0].index(after: dash)...]) else { return nil }
                low = a
                high = b
            } else {
                guard let a = value(pieces[0]) else { return nil }
                low = a
                high = pieces.count == 2 ? range.upperBound : a
            }
            guard range.contains(low), range.contains(high), low <= high else { return nil }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return values.isEmpty ? nil : values
    }

    /// The first time strictly after `date` (whole minutes) that the schedule fires, in `zone`;
    /// nil when there is none within five years (a schedule like Feb 30).
    package func next(after date: Date, in zone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        // The next whole minute (zone offsets are whole minutes).
        var current = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        // Each step moves forward by at least a minute, whatever the calendar makes of DST gaps.
        func advance(to candidate: Date?) { current = max(candidate ?? limit, current.addingTimeInterval(60)) }
        while current < limit {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: current)
            guard let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute, let weekday = c.weekday else { return nil }
            if !months.contains(month) {
                advance(to: calendar.date(from: DateComponents(year: c.year, month: month + 1, day: 1, hour: 0, minute: 0)))
                continue
            }
            let dayOK = daysRestricted && weekdaysRestricted
                ? days.contains(day) || weekdays.contains(weekday - 1) : days.contains(day) && weekdays.contains(weekday - 1)
            if !dayOK {
                advance(to: calendar.date(from: DateComponents(year: c.year, month: month, day: day + 1, hour: 0, minute: 0)))
                continue
            }
            if !hours.contains(hour) {
                advance(to: calendar.date(from: DateComponents(year: c.year, month: month, day: day, hour: hour + 1, minute: 0)))
                continue
            }
            if !minutes.contains(minute) {
                advance(to: current.addingTimeInterval(60))
                continue
            }
            return current
        }
        return nil
    }
}
