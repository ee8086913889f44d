import Foundation

/// The same curl traffic captured in front of two nginx "builds" on loopback, for the tests of
/// `diff`: build B serves a changed `index.html` and has no `big.bin`; `same.txt` is the same in both.
///
/// The traffic: one keep-alive connection with `GET /`, `GET /big.bin` and `GET /missing`, then a
/// second connection with `GET /same.txt`. Compared, A and B give: `/` body changed, `/big.bin`
/// status 200 -> 404, `/missing` and `/same.txt` the same.
public enum NginxBuildPair {
    /// Captures the traffic against both builds.
    /// - Parameter directory: where the two captures are written (`a.pcap`, `b.pcap`).
    /// - Returns: the paths of the two captures.
    /// - Throws: when nginx, curl or tcpdump is missing or a request fails.
    public static func capture(in directory: String) throws -> (a: String, b: String) {
        let a = try capture(build: 1, path: directory + "/a.pcap")
        let b = try capture(build: 2, path: directory + "/b.pcap")
        return (a, b)
    }

    private static func capture(build: Int, path: String) throws -> String {
        let nginx = try NginxServer()
        defer { nginx.stop() }
        try Data("the same in every build\n".utf8).write(to: URL(fileURLWithPath: nginx.root + "/same.txt"))
        if build == 2 {
            try Data("<html><body>hello from nginx, build 2</body></html>\n".utf8)
                .write(to: URL(fileURLWithPath: nginx.root + "/index.html"))
            try FileManager.default.removeItem(atPath: nginx.root + "/big.bin")
        }
        let curl = try ProcessRunner.require("curl", package: "curl")
        let base = "http://127.0.0.1:\(nginx.port)"
        let capture = try LoopbackCapture(path: path, ports: [nginx.port])
        let keepAlive = try ProcessRunner.run(
            curl,
            [
                "-sS", "-o", "/dev/null", "\(base)/", "-o", "/dev/null", "\(base)/big.bin", "-o", "/dev/null",
                "\(base)/missing",
            ],
            timeout: 30)
        let second = try ProcessRunner.run(curl, ["-sS", "-o", "/dev/null", "\(base)/same.txt"], timeout: 30)
        capture.stop()
        guard keepAlive.status == 0, second.status == 0 else {
            throw ProcessRunner.LaunchError(description: "curl failed: \(keepAlive.stderrText) \(second.stderrText)")
        }
        return path
    }
}
