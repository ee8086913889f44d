import Foundation

/// A small gRPC service for the tests, `demo.Users`, in two builds served by Python grpcio (from
/// the venv scripts/setup makes), with its `.proto` and the protoc tools around it: descriptor sets
/// (`protoc --include_imports -o`), text-format encoding and `protoc --decode_raw`.
///
/// The service: `Get(GetRequest{id})` returns one `User` (unary), or NOT_FOUND for an id it does not
/// have; `List(ListRequest{ids})` streams the users asked for (server streaming). Build 2 differs
/// from build 1 in exactly one field: user 7's `address.zip` is 10117 instead of 10115 (field 5.2).
/// The client makes `Get(1)`, `Get(7)`, `Get(99)` and `List([1, 2, 7])` on one channel. No user
/// has more than one label: grpcio writes a map's entries in no fixed order, which only a schema
/// can tell from a reordered list (`ProtobufContentTests`).
public final class GRPCUsersService: @unchecked Sendable {
    /// The service's `.proto`.
    public static let proto = """
        syntax = "proto3";
        package demo;

        service Users {
          rpc Get(GetRequest) returns (User);
          rpc List(ListRequest) returns (stream User);
        }

        enum Plan {
          FREE = 0;
          PRO = 1;
          ENTERPRISE = 2;
        }

        message GetRequest { int32 id = 1; }
        message ListRequest { repeated int32 ids = 1; }

        message Address {
          string city = 1;
          int32 zip = 2;
        }

        message User {
          int32 id = 1;
          string name = 2;
          Plan plan = 3;
          repeated string tags = 4;
          Address address = 5;
          map<string, string> labels = 6;
          double score = 7;
          sint64 balance = 8;
        }

        """

    private static let server = """
        import sys
        from concurrent import futures
        import grpc
        sys.path.insert(0, sys.argv[1])
        import users_pb2, users_pb2_grpc

        BUILD = int(sys.argv[2])
        USERS = {
            1: dict(id=1, name="ada", plan=users_pb2.FREE, tags=["admin"], address=dict(city="London", zip=10001),
                    labels={"region": "eu"}, score=4.5, balance=-12),
            2: dict(id=2, name="bob", plan=users_pb2.PRO, tags=[], address=dict(city="Paris", zip=75001),
                    labels={}, score=3.0, balance=40),
            7: dict(id=7, name="eve", plan=users_pb2.ENTERPRISE, tags=["beta", "ops"],
                    address=dict(city="Berlin", zip=10115 if BUILD == 1 else 10117),
                    labels={"tier": "gold"}, score=2.25, balance=0),
        }

        def user(id):
            u = dict(USERS[id])
            address = users_pb2.Address(**u.pop("address"))
            return users_pb2.User(address=address, **u)

        class Users(users_pb2_grpc.UsersServicer):
            def Get(self, request, context):
                if request.id not in USERS:
                    context.abort(grpc.StatusCode.NOT_FOUND, "no user %d" % request.id)
                return user(request.id)

            def List(self, request, context):
                for id in request.ids:
                    if id in USERS:
                        yield user(id)

        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        users_pb2_grpc.add_UsersServicer_to_server(Users(), server)
        server.add_insecure_port("127.0.0.1:" + sys.argv[3])
        server.start()
        print("listening", flush=True)
        server.wait_for_termination()
        """

    private static let client = """
        import sys
        import grpc
        sys.path.insert(0, sys.argv[1])
        import users_pb2, users_pb2_grpc

        with grpc.insecure_channel("127.0.0.1:" + sys.argv[2]) as channel:
            stub = users_pb2_grpc.UsersStub(channel)
            print("get 1:", stub.Get(users_pb2.GetRequest(id=1)).name)
            print("get 7:", stub.Get(users_pb2.GetRequest(id=7)).address.zip)
            try:
                stub.Get(users_pb2.GetRequest(id=99))
            except grpc.RpcError as error:
                print("get 99:", error.code().name)
            print("list:", [u.id for u in stub.List(users_pb2.ListRequest(ids=[1, 2, 7]))])
        """

    /// Where the `.proto`, the generated Python and the scripts are.
    public let directory: String
    /// The venv's Python with grpcio and grpcio-tools.
    public let python: String

    /// Writes the `.proto` and the scripts into a new temporary directory and generates the Python
    /// messages and stubs with grpcio-tools.
    /// - Throws: when the venv or grpcio-tools is missing (run scripts/setup) or generation fails.
    public init() throws {
        python = try GRPCUsersService.venvPython()
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-grpc-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(GRPCUsersService.proto.utf8).write(to: URL(fileURLWithPath: directory + "/users.proto"))
        try Data(GRPCUsersService.server.utf8).write(to: URL(fileURLWithPath: directory + "/server.py"))
        try Data(GRPCUsersService.client.utf8).write(to: URL(fileURLWithPath: directory + "/client.py"))
        let generated = try ProcessRunner.run(
            python,
            [
                "-m", "grpc_tools.protoc", "-I", directory, "--python_out=\(directory)",
                "--grpc_python_out=\(directory)",
                directory + "/users.proto",
            ], timeout: 60)
        guard generated.status == 0 else {
            throw ProcessRunner.LaunchError(
                description:
                    "grpc_tools.protoc failed (run scripts/setup: it installs grpcio-tools): \(generated.stderrText)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Starts build `build` (1 or 2) on a free loopback port and waits until it listens.
    public func start(build: Int) throws -> (process: BackgroundProcess, port: UInt16) {
        let port = FreePort.next()
        let process = try BackgroundProcess(python, [directory + "/server.py", directory, String(build), String(port)])
        _ = try process.waitForOutput(containing: "listening", timeout: 30)
        guard BlockingSocket.waitForListener(port: port) else {
            process.stop()
            throw ProcessRunner.LaunchError(description: "gRPC build \(build) did not listen: \(process.stderrText)")
        }
        return (process, port)
    }

    /// Runs the client's calls against `port`; returns what it printed.
    public func runClient(port: UInt16) throws -> String {
        let result = try ProcessRunner.run(python, [directory + "/client.py", directory, String(port)], timeout: 60)
        guard result.status == 0 else {
            throw ProcessRunner.LaunchError(description: "gRPC client failed: \(result.stderrText)")
        }
        return result.stdoutText
    }

    /// Writes the FileDescriptorSet of the service with `protoc --include_imports -o`; returns its path.
    public func descriptorSet() throws -> String {
        let path = directory + "/users.pb"
        let result = try ProcessRunner.run(
            try GRPCUsersService.protoc(),
            ["--include_imports", "-o", path, "-I", directory, directory + "/users.proto"])
        guard result.status == 0 else {
            throw ProcessRunner.LaunchError(description: "protoc -o: \(result.stderrText)")
        }
        return path
    }

    /// A message of the service's `.proto` (`demo.User`) encoded from text format by `protoc --encode`.
    public func encode(_ text: String, as type: String) throws -> [UInt8] {
        let result = try ProcessRunner.run(
            try GRPCUsersService.protoc(), ["--encode=\(type)", "-I", directory, directory + "/users.proto"],
            stdin: Data(text.utf8))
        guard result.status == 0 else {
            throw ProcessRunner.LaunchError(description: "protoc --encode: \(result.stderrText)")
        }
        return [UInt8](result.stdout)
    }

    /// What `protoc --decode_raw` prints for bytes.
    public static func decodeRaw(_ bytes: [UInt8]) throws -> String {
        let result = try ProcessRunner.run(try protoc(), ["--decode_raw"], stdin: Data(bytes))
        guard result.status == 0 else {
            throw ProcessRunner.LaunchError(description: "protoc --decode_raw: \(result.stderrText)")
        }
        return result.stdoutText
    }

    /// protoc (Debian's protobuf-compiler, which scripts/setup installs).
    public static func protoc() throws -> String {
        try ProcessRunner.require("protoc", package: "protobuf-compiler")
    }

    /// The Python with grpcio and grpcio-tools that scripts/setup puts in `.build/venv`.
    public static func venvPython() throws -> String {
        let python = RepositoryFixtures.repositoryRoot + "/.build/venv/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ProcessRunner.LaunchError(
                description: "\(python) is missing: run scripts/setup (it creates the venv with grpcio)")
        }
        return python
    }
}
