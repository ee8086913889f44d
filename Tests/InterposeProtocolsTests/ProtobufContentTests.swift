import Foundation
import InterposeTestSupport
import XCTest

@testable import InterposeProtocols

/// gRPC messages read from the protobuf wire format: without a schema, checked against what
/// `protoc --decode_raw` prints for the same bytes (protoc itself encodes them from text format);
/// with the FileDescriptorSet protoc writes, by field name and type; malformed bytes refused.
final class ProtobufContentTests: XCTestCase {
    private static let eve = """
        id: 7
        name: "eve"
        plan: ENTERPRISE
        tags: "beta"
        tags: "ops"
        address { city: "Berlin" zip: 10115 }
        labels { key: "region" value: "eu" }
        score: 2.25
        balance: -3
        """

    private var service: GRPCUsersService!

    override func setUpWithError() throws {
        service = try GRPCUsersService()
    }

    func testWithoutASchemaTheMessageReadsAsProtocDecodeRawPrintsIt() throws {
        let bytes = try service.encode(Self.eve, as: "demo.User")
        let protoc = try GRPCUsersService.decodeRaw(bytes)
        XCTAssertEqual(ProtobufContent.text(bytes, schema: nil, type: nil) + "\n", protoc)
        // A negative int32 is a 10-byte varint; a group, fixed32 and a nested empty message too.
        let odd: [UInt8] =
            [0x08] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
            + [0x13, 0x08, 0x01, 0x14] + [0x25, 0x01, 0x02, 0x03, 0x04] + [0x2A, 0x00]
        XCTAssertEqual(ProtobufContent.text(odd, schema: nil, type: nil) + "\n", try GRPCUsersService.decodeRaw(odd))
    }

    func testWithoutASchemaFieldsArePathsOfFieldNumbers() throws {
        let bytes = try service.encode(Self.eve, as: "demo.User")
        let fields = try XCTUnwrap(ProtobufContent.fields(bytes, prefix: "grpc:", schema: nil, type: nil))
        XCTAssertEqual(
            fields.map { "\($0.path)=\($0.value)" },
            [
                "grpc:1=7", #"grpc:2="eve""#, "grpc:3=2", #"grpc:4[0]="beta""#, #"grpc:4[1]="ops""#,
                #"grpc:5.1="Berlin""#, "grpc:5.2=10115", #"grpc:6.1="region""#, #"grpc:6.2="eu""#,
                "grpc:7=0x4002000000000000", "grpc:8=5",
            ])
        let second = try XCTUnwrap(ProtobufContent.fields(bytes, prefix: "grpc[1]:", schema: nil, type: nil))
        XCTAssertEqual(second.first?.path, "grpc[1]:1")
    }

    func testWithTheDescriptorSetFieldsAreNamedAndTyped() throws {
        let schema = try ProtobufSchema(contentsOf: try service.descriptorSet())
        XCTAssertEqual(schema.method("/demo.Users/Get")?.output, ".demo.User")
        XCTAssertEqual(schema.method("/demo.Users/List")?.input, ".demo.ListRequest")
        let bytes = try service.encode(Self.eve, as: "demo.User")
        let fields = try XCTUnwrap(ProtobufContent.fields(bytes, prefix: "grpc:", schema: schema, type: ".demo.User"))
        XCTAssertEqual(
            fields.map { "\($0.path)=\($0.value)" },
            [
                "grpc:$.id=7", #"grpc:$.name="eve""#, "grpc:$.plan=ENTERPRISE", #"grpc:$.tags[0]="beta""#,
                #"grpc:$.tags[1]="ops""#, #"grpc:$.address.city="Berlin""#, "grpc:$.address.zip=10115",
                #"grpc:$.labels["region"].value="eu""#, "grpc:$.score=2.25", "grpc:$.balance=-3",
            ])
        XCTAssertEqual(
            ProtobufContent.text(bytes, schema: schema, type: ".demo.User"),
            """
            id: 7
            name: "eve"
            plan: ENTERPRISE
            tags: "beta"
            tags: "ops"
            address {
              city: "Berlin"
              zip: 10115
            }
            labels {
              key: "region"
              value: "eu"
            }
            score: 2.25
            balance: -3
            """)
        // A packed repeated int32 unpacks; an unknown type reads by number.
        let list = try service.encode("ids: 1 ids: 2 ids: 300", as: "demo.ListRequest")
        XCTAssertEqual(
            ProtobufContent.fields(list, prefix: "grpc:", schema: schema, type: ".demo.ListRequest")?.map(\.path),
            ["grpc:$.ids[0]", "grpc:$.ids[1]", "grpc:$.ids[2]"])
        XCTAssertEqual(
            ProtobufContent.fields(list, prefix: "grpc:", schema: schema, type: ".demo.Nope")?.map(\.path), ["grpc:1"])
    }

    func testMapEntriesInAnotherOrderAreTheSameFieldsOnlyWithTheSchema() throws {
        let schema = try ProtobufSchema(contentsOf: try service.descriptorSet())
        let one = try service.encode(#"labels { key: "a" value: "1" } labels { key: "b" value: "2" }"#, as: "demo.User")
        let other = try service.encode(
            #"labels { key: "b" value: "2" } labels { key: "a" value: "1" }"#, as: "demo.User")
        let named = [one, other].map {
            Set(ProtobufContent.fields($0, prefix: "grpc:", schema: schema, type: ".demo.User") ?? [])
        }
        XCTAssertEqual(named[0], named[1])
        XCTAssertTrue(named[0].contains(ContentField(path: #"grpc:$.labels["b"].value"#, value: #""2""#)))
        // Without the schema a map is a repeated message: its entries compare by position.
        let numbered = [one, other].map { ProtobufContent.fields($0, prefix: "grpc:", schema: nil, type: nil) ?? [] }
        XCTAssertEqual(numbered[0].first, ContentField(path: "grpc:6[0].1", value: #""a""#))
        XCTAssertEqual(numbered[1].first, ContentField(path: "grpc:6[0].1", value: #""b""#))
    }

    func testWhatTheSchemaDoesNotKnowReadsByNumber() throws {
        let schema = try ProtobufSchema(contentsOf: try service.descriptorSet())
        // Field 9 is not in User; field 2 (name) arrives as a varint instead of a string.
        let bytes: [UInt8] = [0x08, 0x07, 0x48, 0x01, 0x48, 0x02, 0x10, 0x05]
        XCTAssertEqual(
            ProtobufContent.fields(bytes, prefix: "grpc:", schema: schema, type: ".demo.User")?.map {
                "\($0.path)=\($0.value)"
            }, ["grpc:$.id=7", "grpc:$.9[0]=1", "grpc:$.9[1]=2", "grpc:$.name=5"])
    }

    func testMalformedMessagesAreRefused() {
        let malformed: [[UInt8]] = [
            [0x08],  // varint cut short
            [0x0A, 0x05, 0x01],  // length past the end
            [0x00, 0x01],  // field number 0
            [0x0F, 0x01],  // wire type 7
            [0x0B, 0x08, 0x01],  // group without its end
            [0x0C],  // end of a group never started
            [0x09, 0x01, 0x02],  // fixed64 cut short
        ]
        for bytes in malformed {
            XCTAssertNil(ProtobufWireField.read(bytes[...]), "\(bytes)")
            XCTAssertNil(ProtobufContent.fields(bytes, prefix: "grpc:", schema: nil, type: nil), "\(bytes)")
        }
        // Nesting deeper than the limit stays bytes instead of recursing.
        var deep: [UInt8] = [0x08, 0x01]
        for _ in 0..<40 { deep = [0x0A, UInt8(deep.count)] + deep }
        let fields = ProtobufContent.fields(deep, prefix: "grpc:", schema: nil, type: nil)
        XCTAssertEqual(fields?.count, 1)
        XCTAssertEqual(fields?.first?.path.split(separator: ".").count, ProtobufWireField.depthLimit + 1)
    }

    func testADescriptorFileThatIsNotOneIsAnErrorThatSaysHowToMakeOne() throws {
        let path = service.directory + "/not-a-set.pb"
        try Data("syntax = \"proto3\";\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ProtobufSchema(contentsOf: path)) { error in
            XCTAssertTrue("\(error)".contains("is not a FileDescriptorSet"), "\(error)")
            XCTAssertTrue("\(error)".contains("protoc --include_imports -o"), "\(error)")
        }
        XCTAssertThrowsError(try ProtobufSchema(contentsOf: service.directory + "/missing.pb")) { error in
            XCTAssertTrue("\(error)".contains("cannot be read"), "\(error)")
        }
    }
}
