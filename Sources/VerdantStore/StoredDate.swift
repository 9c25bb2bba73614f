import Foundation

/// Dates as the store writes them: "yyyy-MM-dd HH:mm:ss.SSS" in UTC, GRDB's own text format
/// (so GRDB reads them back, and text order is time order), rounded to the nearest millisecond
/// as GRDB's formatter does. Written by hand because GRDB's `DateFormatter` (ICU) cost about a tenth of
/// each transition in the benchmark, and every date the store binds must use the same format
/// for `not_before <= now` to compare correctly.
enum StoredDate {
    static func text(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, msOfDay) = floorDivision(milliseconds, 86_400_000)
        let (year, month, day) = civilDate(daysSince1970: days)
        let ms = Int(msOfDay)
        let hour = ms / 3_600_000, minute = ms / 60_000 % 60, second = ms / 1000 % 60
        var text = ""
        text.reserveCapacity(23)
        append(year, width: 4, to: &text); text.append("-")
        append(month, width: 2, to: &text); text.append("-")
        append(day, width: 2, to: &text); text.append(" ")
        append(hour, width: 2, to: &text); text.append(":")
        append(minute, width: 2, to: &text); text.append(":")
        append(second, width: 2, to: &text); text.append(".")
        append(ms % 1000, width: 3, to: &text)
        return text
    }

    private static func floorDivision(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Proleptic Gregorian (year, month, day) of a day count from 1970-01-01: Howard Hinnant's
    /// "civil_from_days" (https://howardhinnant.github.io/date_algorithms.html).
    private static func civilDate(daysSince1970: Int64) -> (Int, Int, Int) {
        let z = daysSince1970 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text.append(String(repeating: "0", count: width - digits.count)) }
        text.append(digits)
    }
}
