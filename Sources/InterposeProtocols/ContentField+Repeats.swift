extension ContentField {
    /// Fields whose path repeats joined into the first one's place, values separated by `, ` (as
    /// repeated HTTP headers are), so that every path names one field.
    package static func joiningRepeats(_ fields: [ContentField]) -> [ContentField] {
        var result: [ContentField] = []
        var seen: [String: Int] = [:]
        for field in fields {
            if let at = seen[field.path] {
                result[at].value += ", " + field.value
            } else {
                seen[field.path] = result.count
                result.append(field)
            }
        }
        return result
    }
}
