extension ContentField {
    /// Fields whose path repeats joined into the first one's place, values separated by `, ` (as
    /// repeated HTTP headers are), so that every path names one field. Status classes join the
    /// same way: two PostgreSQL errors in one reply are `error.code` `42P01, 42601`.
    package static func joiningRepeats(_ fields: [ContentField]) -> [ContentField] {
        var result: [ContentField] = []
        var seen: [String: Int] = [:]
        for field in fields {
            if let at = seen[field.path] {
                result[at].value += ", " + field.value
                if let status = field.statusClass {
                    result[at].statusClass = result[at].statusClass.map { $0 + ", " + status } ?? status
                }
            } else {
                seen[field.path] = result.count
                result.append(field)
            }
        }
        return result
    }
}
