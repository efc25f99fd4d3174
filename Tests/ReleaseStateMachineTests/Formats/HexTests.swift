import Foundation
import Testing
import ReleaseStateMachine

/// The hand-written hex encoder gives what `String(format: "%02x")` gave, byte for byte.
@Suite struct HexTests {
    @Test func everyByteAsFormatWroteIt() {
        let all = (0...255).map { UInt8($0) }
        #expect(Hex.encode(all) == all.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.encode([UInt8]()) == "")
        // Bytes without contiguous storage, and Data, go the same way as an array's.
        #expect(Hex.encode(AnySequence(all)) == Hex.encode(all))
        #expect(Hex.encode(Data(all)) == Hex.encode(all))
        #expect(Hex.encode(all[100...]) == Hex.encode(Array(all[100...])))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Hex.encode(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
        }
    }
}
