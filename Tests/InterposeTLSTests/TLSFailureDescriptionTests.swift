import InterposeTLS
import XCTest

/// BoringSSL's error text, as swift-nio-ssl prints it, turned into words a user can act on.
final class TLSFailureDescriptionTests: XCTestCase {
    func testKnownReasonIsExplainedAndNamed() {
        let text =
            "sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at "
            + "/x/handshake.cc:320])"
        XCTAssertEqual(
            TLSFailureDescription.describe(libraryText: text),
            "the certificate was not accepted (not signed by a trusted CA, expired, or issued for another name) "
                + "[CERTIFICATE_VERIFY_FAILED]")
    }

    func testFirstKnownReasonWinsOverUnknownOnes() {
        let text =
            "sslError([Error: 1 error:1:SSL routines:OPENSSL_internal:SOMETHING_NEW at a.cc:1, Error: 2 "
            + "error:2:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA at b.cc:2])"
        XCTAssertEqual(
            TLSFailureDescription.describe(libraryText: text),
            "the peer does not trust the certificate's CA (alert unknown_ca) [TLSV1_ALERT_UNKNOWN_CA]")
    }

    func testUnknownReasonsAreListedAndOtherTextKept() {
        XCTAssertEqual(
            TLSFailureDescription.describe(
                libraryText: "error:1:SSL routines:OPENSSL_internal:SOMETHING_NEW at a.cc:1"),
            "SOMETHING_NEW")
        XCTAssertEqual(TLSFailureDescription.describe(libraryText: "closed"), "closed")
        XCTAssertEqual(
            TLSFailureDescription.describe(libraryText: "sslError([eofDuringHandshake])"),
            "the peer closed the connection during the handshake [eofDuringHandshake]")
    }
}
