import XCTest
@testable import ChimeraCore

final class ValueTests: XCTestCase {
    func testSizesParseWithSuffixesAndHex() throws {
        XCTAssertEqual(try ValueType.size.parse("4096"), .uint(4096))
        XCTAssertEqual(try ValueType.size.parse("0x1000"), .uint(4096))
        XCTAssertEqual(try ValueType.size.parse("64K"), .uint(65536))
        XCTAssertEqual(try ValueType.size.parse("16M"), .uint(16 << 20))
        XCTAssertEqual(try ValueType.size.parse("2G"), .uint(2 << 30))
        XCTAssertEqual(try ValueType.size.parse("1KiB"), .uint(1024))
        XCTAssertEqual(try ValueType.size.parse("0x1B"), .uint(0x1B), "hex digits are not a byte suffix")
    }

    func testSizeErrors() {
        XCTAssertThrowsError(try ValueType.size.parse("64X")) { error in
            XCTAssertTrue("\(error)".contains("invalid size '64X'"), "\(error)")
        }
        XCTAssertThrowsError(try ValueType.size.parse("20E")) { error in
            XCTAssertTrue("\(error)".contains("does not fit in 64 bits"), "\(error)")
        }
        XCTAssertThrowsError(try ValueType.size.parse("-4K"))
        XCTAssertThrowsError(try ValueType.size.parse(""))
    }

    func testIntegerRangesAndOverflow() throws {
        XCTAssertEqual(try ValueType.int(.uint8).parse("255"), .uint(255))
        XCTAssertThrowsError(try ValueType.int(.uint8).parse("256")) { error in
            XCTAssertTrue("\(error)".contains("out of range for uint8 (0…255)"), "\(error)")
        }
        XCTAssertThrowsError(try ValueType.int(.int8).parse("-129"))
        XCTAssertEqual(try ValueType.int(.int8).parse("-128"), .int(-128))
        XCTAssertThrowsError(try ValueType.int(.uint64).parse("18446744073709551616"))
        XCTAssertEqual(try ValueType.int(.uint64).parse("0xffffffffffffffff"), .uint(.max))
        XCTAssertEqual(try ValueType.int(.int64).parse("-9223372036854775808"), .int(.min))
        XCTAssertThrowsError(try ValueType.int(.uint32).parse("-1"))
        XCTAssertThrowsError(try ValueType.int(.int32).parse("12abc"))
        XCTAssertThrowsError(try ValueType.int(.uint32).coerce(.int(-5)))
        XCTAssertEqual(try ValueType.int(IntegerFormat.uint32.limited(to: 1...8)).parse("8"), .uint(8))
        XCTAssertThrowsError(try ValueType.int(IntegerFormat.uint32.limited(to: 1...8)).parse("0"))
    }

    func testEnumTypoListsValidValuesAndSuggests() {
        XCTAssertThrowsError(try ValueType.enumeration(["fast", "slow", "off"]).parse("slwo")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("valid values are: fast, slow, off"), text)
            XCTAssertTrue(text.contains("did you mean 'slow'"), text)
        }
    }

    func testBoolsTimesAndLists() throws {
        XCTAssertEqual(try ValueType.bool.parse("on"), .bool(true))
        XCTAssertEqual(try ValueType.bool.parse("no"), .bool(false))
        XCTAssertThrowsError(try ValueType.bool.parse("maybe"))
        XCTAssertEqual(try ValueType.time.parse("10us"), .uint(10_000_000))
        XCTAssertEqual(try ValueType.time.parse("1ms"), .uint(1_000_000_000))
        XCTAssertThrowsError(try ValueType.time.parse("10"))
        XCTAssertThrowsError(try ValueType.time.parse("10 parsecs"))
        XCTAssertEqual(try ValueType.list(.size).parse("[\"4K\", 8]"), .list([.uint(4096), .uint(8)]))
        XCTAssertThrowsError(try ValueType.list(.int(.uint8)).coerce(.list([1, 300]))) { error in
            XCTAssertTrue("\(error)".contains("element 1"), "\(error)")
        }
    }

    func testStructsRequireFieldsAndRejectUnknownOnes() throws {
        let t = ValueType.structure([StructField("base", .size), StructField("name", .string, optional: true)])
        XCTAssertEqual(try t.coerce(["base": "4K"]), .dict(["base": .uint(4096)]))
        XCTAssertThrowsError(try t.coerce(["name": "x"])) { XCTAssertTrue("\($0)".contains("missing field 'base'")) }
        XCTAssertThrowsError(try t.coerce(["base": 1, "bogus": 2])) { XCTAssertTrue("\($0)".contains("unknown field 'bogus'")) }
    }

    func testJSONRoundTripKeepsKeyOrder() throws {
        let text = #"{"z": 1, "a": [true, null, "x\n"], "m": {"k": -5, "big": 18446744073709551615}}"#
        let v = try Value(json: text)
        XCTAssertEqual(v.jsonText, text)
        XCTAssertThrowsError(try Value(json: "{\"a\": }")) { XCTAssertTrue("\($0)".contains("line 1, column 7"), "\($0)") }
        XCTAssertThrowsError(try Value(json: String(repeating: "[", count: 1000)))
    }

    func testKeyval() throws {
        let kv = try Keyval.parse("pl011,id=uart0,label=a,,b", implicitKey: "driver")
        XCTAssertEqual(Array(kv.keys), ["driver", "id", "label"])
        XCTAssertEqual(kv["label"], "a,b")
        XCTAssertThrowsError(try Keyval.parse("a=1,a=2"))
        XCTAssertThrowsError(try Keyval.parse("a=1,bare"))
    }

    func testVirtualTimeArithmeticSaturates() {
        XCTAssertEqual((VirtualTime.never + .seconds(1)), .never)
        XCTAssertEqual(VirtualTime.zero - .seconds(1), .zero)
        XCTAssertEqual(VirtualTime.microseconds(10).description, "10us")
        XCTAssertEqual(VirtualTime(picoseconds: 1500).description, "1500ps")
    }
}
